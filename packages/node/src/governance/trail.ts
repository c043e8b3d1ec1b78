/**
 * A party's audit trail during a job: every message it sends or receives,
 * every use and disclosure of its records (derived from the message that
 * carries them out), and at the end the exchange of signed heads with every
 * other participant, which it countersigns. Then its filing for the
 * regulator: its final head and a summary of its data use, signed.
 */
import {
  AuditTrail,
  type CoordinatorMessage,
  FedError,
  type Filing,
  messageFacts,
  type NodeConfig,
  type NodeMessage,
  type Outgoing,
  type PartyModel,
  type PartyTable,
  readAuthorisations,
  readBusinessKeys,
  rowsOf,
  type SignedHead,
  signFiling,
  verifyHead,
} from '@fedrisk/shared';
import type { Handlers } from '../handlers.ts';
import type { Session } from '../session.ts';
import type { GovernanceState } from './state.ts';

/** Opens this party's trail (if its config asks for one) and reads its authorisations or its customers' keys. */
export async function openGovernance(
  config: NodeConfig,
  table: PartyTable,
  identityKey: string | undefined,
  now: () => Date,
): Promise<GovernanceState | undefined> {
  const g = config.governance;
  if (!g) return undefined;
  if (!identityKey || !config.agreement)
    throw new FedError('CONFIG_ERR_INVALID', `${config.party}'s config asks for an audit trail but gives no identity key or agreement (the job it signs for)`);
  const trail = new AuditTrail({ file: g.auditFile, participant: config.party, job: config.agreement.jobId, identityKey, now });
  trail.append('data.load', { rows: table.ids.length, columns: [...table.numeric.keys(), ...table.categorical.keys()].sort(), role: config.role });
  return {
    config: g,
    trail,
    authorisations: g.authorisations ? await readAuthorisations(g.authorisations) : undefined,
    businessKeys: g.businessKeys ? await readBusinessKeys(g.businessKeys) : undefined,
    holderSize: new Map(),
    granted: new Set(),
    asked: {},
    tokens: new Set(),
    answered: {},
    checking: undefined,
    verdicts: {},
    contributed: 0,
    countersigned: false,
  };
}

const columnsOf = (model: PartyModel) => Object.keys(model.features).sort();
/** Own records among the first `slots` slots: from the row lookup the scoring made of the same list (a withheld slot is '', which no row has). */
function recordsIn(s: Session, slots: number): number {
  const rows = rowsOf(s.deps.table, s.slotIds ?? []);
  let n = 0;
  for (let k = 0; k < Math.min(slots, rows.length); k++) if ((rows[k] as number) >= 0) n++;
  return n;
}
/** The messages that carry a party's partial logits, and the form its records leave in. */
const PARTIAL_FORMS: Partial<Record<NodeMessage['type'], string>> = {
  'scores.partial': 'encrypted partial logits',
  'plain.partial': 'partial logits in the clear',
  'paillier.partial': 'Paillier-encrypted partial logits',
};

/** A message this party sends, and the data use or disclosure it carries. */
export function recordSent(g: GovernanceState, s: Session | undefined, msg: Outgoing<NodeMessage>, blobs: readonly Uint8Array[]): void {
  if (msg.type === 'audit.head' || msg.type === 'audit.countersign') return;
  g.trail.append('message.sent', { peer: 'coordinator', ...messageFactsOf(msg, blobs) });
  if (!s?.job) return;
  const purpose = s.started.kind === 'training' ? 'model training' : g.config.purpose;
  if (msg.type === 'psi.reply') g.trail.append('data.disclose', { form: 'blinded ids', records: msg.ownPoints, to: msg.to, purpose });
  else if (msg.type === 'psi.blinded') g.trail.append('data.disclose', { form: 'blinded ids', records: msg.points, to: msg.to, purpose });
  else if (msg.type === 'query.ids') g.trail.append('data.disclose', { form: 'record ids', records: msg.count, to: 'every holder', purpose });
  else if (PARTIAL_FORMS[msg.type] || (msg.type === 'train.partial' && msg.epoch === 1 && msg.batch === 0)) {
    // paillier encrypts only its sample: the first `slots` slots
    const slots = msg.type === 'paillier.partial' ? msg.slots : (s.slotIds?.length ?? 0);
    g.contributed = recordsIn(s, slots);
    g.trail.append('data.use', {
      purpose,
      columns: columnsOf(s.deps.model),
      records: g.contributed,
      slots,
      form: PARTIAL_FORMS[msg.type] ?? 'encrypted partial logits',
    });
  }
}

export function recordReceived(g: GovernanceState, msg: CoordinatorMessage, blobs: readonly Uint8Array[]): void {
  if (msg.type === 'audit.seal' || msg.type === 'audit.heads') return;
  g.trail.append('message.received', { peer: 'coordinator', ...messageFactsOf(msg, blobs) });
  if (msg.type === 'psi.reply') g.holderSize.set(msg.from, msg.ownPoints);
}

function messageFactsOf(msg: { type: string }, blobs: readonly Uint8Array[]): Record<string, unknown> {
  return messageFacts(msg as { type: string } & Record<string, unknown>, blobs);
}

function gov(s: Session): GovernanceState {
  const g = s.deps.governance;
  if (!g) throw new FedError('PROTO_ERR_UNEXPECTED', `${s.me} keeps no audit trail: it has no head to exchange`);
  return g;
}

export const auditHandlers: Handlers = {
  /** the job's work is done: this party's head, signed */
  'audit.seal': async (s) => {
    const g = gov(s);
    if (g.sentHead) throw new FedError('PROTO_ERR_UNEXPECTED', `a second audit.seal: ${s.me} sent its head already`);
    const h = g.trail.signedHead();
    g.sentHead = { seq: h.seq, hash: h.hash };
    await s.send({ type: 'audit.head', jobId: s.started.jobId, seq: h.seq, hash: h.hash, signature: h.signature });
  },
  /** every participant's head: each checked against its signer's key, this party's own against its trail; then countersigned */
  'audit.heads': async (s, msg) => {
    const g = gov(s);
    const job = s.started.jobId;
    const heads: SignedHead[] = msg.heads;
    for (const h of heads) {
      const key = h.participant === 'coordinator' ? g.config.coordinatorKey : s.rosterKey(h.participant);
      if (!verifyHead(key, job, h))
        throw new FedError('CRYPTO_ERR_AUDIT', `the audit-trail head said to be ${h.participant}'s is not signed by ${h.participant}`);
    }
    if (g.countersigned || !g.sentHead)
      throw new FedError('PROTO_ERR_UNEXPECTED', `audit.heads ${g.countersigned ? 'a second time' : 'before this party sent its head'}`);
    const own = heads.find((h) => h.participant === s.me);
    const expected = [...s.jobParties.map((p) => p.id), 'coordinator'].sort();
    // its own head exactly as sent: a countersignature over another head of its own trail would vouch for a history it did not seal
    const asSent = own?.seq === g.sentHead.seq && own.hash === g.sentHead.hash;
    if (!asSent || JSON.stringify(heads.map((h) => h.participant).sort()) !== JSON.stringify(expected))
      throw new FedError('CRYPTO_ERR_AUDIT', `the heads to countersign are not one per participant, or do not hold ${s.me}'s own head`);
    const countersignature = g.trail.countersign(heads);
    g.trail.append('heads', { heads, countersignature });
    g.countersigned = true;
    await s.send({ type: 'audit.countersign', jobId: job, signature: countersignature });
  },
};

/** The end of the job for the trail: its last entry, and the filing for the regulator (signed). */
export function closeGovernance(g: GovernanceState, s: Session | undefined, ok: boolean, identityKey: string | undefined, error?: string): Filing | undefined {
  g.trail.append('job.end', { ok, ...(error ? { error } : {}) });
  const recipient = s?.isRecipient ?? false;
  const head = g.trail.signedHead();
  g.trail.close();
  if (!identityKey) return undefined;
  return signFiling(identityKey, {
    job: g.trail.job,
    participant: g.trail.participant,
    ok,
    head,
    countersigned: g.countersigned,
    summary: {
      role: s?.config.role ?? 'unknown',
      ...(recipient
        ? { purpose: g.config.purpose, applications: countApplications(g, s), asked: g.asked, tokens: [...g.tokens].sort() }
        : { answered: g.answered }),
    },
  });
}

/** Applicants the recipient holds an authorisation from: its applications. */
function countApplications(g: GovernanceState, s: Session | undefined): number {
  const own = s?.deps.applicants ?? [];
  return own.filter((id) => g.authorisations?.has(id)).length;
}
