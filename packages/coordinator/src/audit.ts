/**
 * The coordinator's audit trail and its part in governance: every message it
 * receives from or sends to a party, admissions and refusals, and at the end
 * of a job the exchange of heads. It asks every party for its signed head,
 * sends all heads (its own included) to every party, collects each party's
 * countersignature, and records heads and countersignatures in its own trail
 * before it ends the job. A participant the regulator suspended is refused at
 * admission (AUTH_ERR_SUSPENDED). Then its own filing for the regulator.
 */
import {
  AuditTrail,
  type CoordinatorConfig,
  type CoordinatorMessage,
  FedError,
  filingSchema,
  type Logger,
  messageFacts,
  type NodeMessage,
  type NodeMsg,
  type Outgoing,
  type SignedHead,
  signFiling,
  verifyCountersignature,
  verifyHead,
  writeJsonFile,
} from '@fedrisk/shared';

type GovernanceMessage = NodeMsg<'audit.head'> | NodeMsg<'audit.countersign'> | NodeMsg<'auth.grants'>;

export interface CoordinatorAuditDeps {
  config: CoordinatorConfig;
  /** the coordinator's own identity secret key */
  identityKey: string;
  /** participants the regulator suspended */
  suspended: ReadonlySet<string>;
  logger: Logger;
  now: () => Date;
  send(party: string, msg: Outgoing<CoordinatorMessage>, blobs?: readonly Uint8Array[]): void;
  /** a timer the coordinator owns (cleared when it closes) */
  setTimer(ms: number, fn: () => void): void;
}

export interface CoordinatorAudit {
  sent(party: string, msg: Outgoing<CoordinatorMessage>, blobs: readonly Uint8Array[]): void;
  received(party: string, msg: NodeMessage, blobs: readonly Uint8Array[]): void;
  admitted(party: string, role: string): void;
  /** why a hello may not join: its sender is suspended */
  refuse(msg: NodeMessage): FedError | undefined;
  /** governance messages, handled here rather than by the job: the relay of authorisations, the exchange of heads */
  handles(msg: NodeMessage): msg is GovernanceMessage;
  handle(party: string, msg: GovernanceMessage, blobs: Uint8Array[]): void;
  /** the job's work is done: exchange heads, then `then()` (at most phaseMs later, countersigned or not) */
  seal(then: () => void): void;
  readonly sealing: boolean;
  /** the last entry, and the filing; idempotent */
  close(ok: boolean, error?: string): void;
}

export function createCoordinatorAudit(d: CoordinatorAuditDeps): CoordinatorAudit | undefined {
  const g = d.config.governance;
  if (!g) return undefined;
  const job = d.config.jobId;
  const trail = new AuditTrail({ file: g.auditFile, participant: 'coordinator', job, identityKey: d.identityKey, now: d.now });
  const parties = d.config.parties.map((p) => p.id);
  const keyOf = (party: string) => g.roster.find((r) => r.party === party)?.publicKey;
  const heads = new Map<string, SignedHead>();
  const counters = new Map<string, string>();
  let all: SignedHead[] | undefined;
  let then: (() => void) | undefined;
  let countersigned = false;
  let begun = false;
  let closed = false;
  trail.append('job.open', { parties, kind: d.config.kind, keys: d.config.keys, alignment: d.config.alignment, suspended: [...d.suspended].sort() });

  const complete = (missing: string[]): void => {
    const done = then;
    if (!done) return;
    then = undefined;
    if (missing.length) {
      d.logger.warn({ missing }, 'the heads were not all countersigned in time');
      trail.append('heads.incomplete', { missing });
    }
    done();
  };

  return {
    get sealing() {
      return begun;
    },
    sent: (party, msg, blobs) => {
      if (msg.type === 'audit.seal' || msg.type === 'audit.heads') return;
      trail.append('message.sent', { peer: party, ...messageFacts(msg as { type: string } & Record<string, unknown>, blobs) });
    },
    received: (party, msg, blobs) => {
      if (msg.type === 'audit.head' || msg.type === 'audit.countersign') return;
      trail.append('message.received', { peer: party, ...messageFacts(msg as { type: string } & Record<string, unknown>, blobs) });
    },
    admitted: (party, role) => trail.append('admitted', { party, role }),
    refuse: (msg) => {
      if (msg.type !== 'hello' || !d.suspended.has(msg.party)) return undefined;
      trail.append('refused', { party: msg.party, code: 'AUTH_ERR_SUSPENDED' });
      return new FedError('AUTH_ERR_SUSPENDED', `${msg.party}'s interface permission is suspended by the regulator: the coordinator refuses its jobs`, {
        details: { party: msg.party },
      });
    },
    handles: (msg): msg is GovernanceMessage => msg.type === 'audit.head' || msg.type === 'audit.countersign' || msg.type === 'auth.grants',
    handle: (party, msg, blobs) => {
      if (msg.type === 'auth.grants') {
        // relayed unchanged: sealed to the holder, signed by the recipient; the coordinator can read neither
        if (party !== d.config.recipient || msg.to === party || !parties.includes(msg.to))
          throw new FedError('PROTO_ERR_UNEXPECTED', `auth.grants from ${party} to ${msg.to}: only the recipient sends authorisations, to a holder`);
        const { to, ...rest } = msg;
        return d.send(to, { ...rest, from: party }, blobs);
      }
      const key = keyOf(party);
      if (!then) throw new FedError('PROTO_ERR_UNEXPECTED', `${msg.type} outside the exchange of heads`);
      if (msg.type === 'audit.head') {
        const head = { participant: party, seq: msg.seq, hash: msg.hash, signature: msg.signature };
        if (all || heads.has(party)) throw new FedError('PROTO_ERR_UNEXPECTED', `a second audit.head from ${party}`);
        if (!key || !verifyHead(key, job, head)) throw new FedError('CRYPTO_ERR_AUDIT', `${party}'s audit-trail head is not signed by ${party}`);
        heads.set(party, head);
        if (heads.size < parties.length) return;
        all = [...heads.values(), trail.signedHead()];
        for (const p of parties) d.send(p, { type: 'audit.heads', jobId: job, heads: all });
        return;
      }
      if (!all || counters.has(party)) throw new FedError('PROTO_ERR_UNEXPECTED', `an audit.countersign from ${party} out of turn`);
      if (!key || !verifyCountersignature(key, job, all, msg.signature))
        throw new FedError('CRYPTO_ERR_AUDIT', `${party}'s countersignature does not cover the heads it was sent`);
      counters.set(party, msg.signature);
      if (counters.size < parties.length) return;
      const countersignatures = { ...Object.fromEntries(counters), coordinator: trail.countersign(all) };
      trail.append('heads', { heads: all, countersignatures });
      countersigned = true;
      complete([]);
    },
    seal: (next) => {
      if (begun) return;
      begun = true;
      then = next;
      for (const p of parties) d.send(p, { type: 'audit.seal', jobId: job });
      d.setTimer(d.config.timeouts.phaseMs, () => complete(parties.filter((p) => !counters.has(p))));
    },
    close: (ok, error) => {
      if (closed) return;
      closed = true;
      trail.append('job.end', { ok, ...(error ? { error } : {}) });
      const head = trail.signedHead();
      trail.close();
      if (g.filingFile)
        writeJsonFile(
          g.filingFile,
          filingSchema,
          signFiling(d.identityKey, { job, participant: 'coordinator', ok, head, countersigned, summary: { role: 'coordinator' } }),
        );
    },
  };
}
