/**
 * Checking one job's audit trails, each against its participant's identity
 * key and against each other:
 *  - every line parses, sits at its place (seq), follows the line before it
 *    (prev), hashes to its hash and carries its participant's signature: an
 *    edited, deleted, inserted or reordered line is named (file, line,
 *    participant);
 *  - the heads every participant signed at the end of the job, and each one's
 *    countersignature over all of them, verify, and each participant's trail
 *    still holds the head it signed: a trail rewritten or cut after the job is
 *    caught even if every line in it is well signed;
 *  - what each party says it sent is what the coordinator says it received,
 *    and the other way round (types, counts, digests of the blobs), and what
 *    the recipient says it asked each holder is what that holder says it
 *    answered.
 */
import {
  AUDIT_GENESIS,
  type AuditEntry,
  auditBody,
  auditEntrySchema,
  auditHash,
  type SignedHead,
  verifyCountersignature,
  verifyEntrySignature,
  verifyHead,
} from './audit-log.ts';

export interface AuditLogText {
  file: string;
  participant: string;
  /** the participant's identity public key (base64), from the run's roster */
  publicKey: string | undefined;
  text: string;
}

export interface AuditFinding {
  file: string;
  /** 1-based; 0 for the file as a whole */
  line: number;
  participant: string;
  problem: string;
}

export interface JobAudit {
  job: string;
  /** the trails end with every participant's head countersigned by all */
  countersigned: boolean;
  entries: Record<string, number>;
  findings: AuditFinding[];
}

/** Message types the cross-check leaves out: admission, errors and the head exchange are recorded as events of their own. */
const UNMATCHED = new Set(['hello', 'welcome', 'error', 'audit.seal', 'audit.head', 'audit.heads', 'audit.countersign']);
const MAX_PER_TRAIL = 20;

interface Parsed {
  log: AuditLogText;
  /** by line index; undefined where a line does not parse */
  entries: (AuditEntry | undefined)[];
}

function parseTrail(log: AuditLogText, findings: AuditFinding[]): Parsed {
  const lines = log.text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const own: AuditFinding[] = [];
  const note = (line: number, problem: string) => {
    if (own.length < MAX_PER_TRAIL) own.push({ file: log.file, line, participant: log.participant, problem });
  };
  if (!log.publicKey) note(0, `no identity key for ${log.participant} in the run's roster: its signatures cannot be checked`);
  const entries = lines.map((text): AuditEntry | undefined => {
    try {
      const parsed = auditEntrySchema.safeParse(JSON.parse(text));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  });
  // the hash of every intact entry, by its number: the chain is checked entry to entry, wherever the lines now stand
  const intact = new Map<number, string>();
  const altered = entries.map((e) => !e || auditHash(auditBody(e)) !== e.hash);
  entries.forEach((e, i) => {
    if (e && !altered[i] && !intact.has(e.seq)) intact.set(e.seq, e.hash);
  });
  let expected = 0;
  entries.forEach((e, i) => {
    const line = i + 1;
    if (!e) {
      note(line, 'is not a valid audit entry');
      expected++;
      return;
    }
    if (e.participant !== log.participant) note(line, `names ${e.participant}, not ${log.participant}, as its author`);
    if (altered[i]) {
      // its own number cannot be trusted either: it stands where it is, and the lines after it are judged from there
      note(line, 'was edited: its content does not match its hash');
      expected++;
      return;
    }
    if (log.publicKey && !verifyEntrySignature(log.publicKey, e)) note(line, `its signature does not verify against ${log.participant}'s identity key`);
    const gap = e.seq - expected > 1 ? `entries ${expected} to ${e.seq - 1} are` : `entry ${expected} is`;
    if (e.seq > expected)
      note(line, intact.has(expected) ? `comes before ${gap.replace(/ (is|are)$/, '')}: lines were reordered` : `${gap} missing before it: lines were deleted`);
    else if (e.seq < expected) note(line, `holds entry ${e.seq} after entry ${expected - 1}: lines were reordered or an entry repeated`);
    else if (e.prev !== (e.seq === 0 ? AUDIT_GENESIS : intact.get(e.seq - 1)) && intact.has(e.seq - 1))
      note(line, `does not follow entry ${e.seq - 1} (its prev is not that entry's hash): a line was replaced`);
    expected = Math.max(expected, e.seq + 1);
  });
  findings.push(...own);
  return { log, entries };
}

const byEvent = (p: Parsed, event: string) => p.entries.flatMap((e, i) => (e?.event === event ? [{ e, line: i + 1 }] : []));

/** The heads the coordinator recorded at the end, checked against every trail. */
function checkHeads(trails: Map<string, Parsed>, coordinator: Parsed | undefined, job: string, findings: AuditFinding[]): boolean {
  const finding = (p: Parsed, line: number, problem: string) => findings.push({ file: p.log.file, line, participant: p.log.participant, problem });
  const closing = coordinator ? byEvent(coordinator, 'heads').at(-1) : undefined;
  const recorded = [...trails.values()].filter((p) => p !== coordinator && byEvent(p, 'heads').length);
  if (!closing || !coordinator) {
    for (const p of recorded)
      finding(
        p,
        byEvent(p, 'heads')[0]?.line ?? 0,
        `recorded countersigned heads, but the coordinator's trail has none: the coordinator's trail was cut or is missing`,
      );
    return false;
  }
  const heads = (closing.e.data.heads ?? []) as SignedHead[];
  const counters = (closing.e.data.countersignatures ?? {}) as Record<string, string>;
  for (const h of heads) {
    const p = trails.get(h.participant);
    if (!p) {
      finding(coordinator, closing.line, `lists the head of ${h.participant}, whose trail is missing`);
      continue;
    }
    if (!p.log.publicKey || !verifyHead(p.log.publicKey, job, h)) finding(coordinator, closing.line, `${h.participant}'s signed head does not verify`);
    const at = p.entries.find((e) => e?.seq === h.seq);
    if (h.seq >= 0 && at?.hash !== h.hash)
      finding(
        p,
        at ? p.entries.indexOf(at) + 1 : 0,
        at
          ? `no longer holds the head ${h.participant} signed and everyone countersigned (entry ${h.seq}): the trail was rewritten`
          : `ends before entry ${h.seq}, the head ${h.participant} signed and everyone countersigned: lines were deleted`,
      );
    const sig = counters[h.participant];
    if (!sig || !p.log.publicKey || !verifyCountersignature(p.log.publicKey, job, heads, sig))
      finding(coordinator, closing.line, `${h.participant}'s countersignature of the heads is missing or does not verify`);
    if (p === coordinator) continue;
    const own = byEvent(p, 'heads').at(-1);
    if (!own) finding(p, 0, 'has no countersigned heads, though the coordinator recorded its countersignature: lines were deleted');
    else if (own.e.data.countersignature !== sig) finding(p, own.line, 'its countersignature differs from the one the coordinator recorded');
  }
  for (const p of trails.values())
    if (!heads.some((h) => h.participant === p.log.participant)) finding(p, 0, 'is not among the heads every participant countersigned');
  return true;
}

const sameMessage = (a: Record<string, unknown>, b: Record<string, unknown>) => {
  const strip = ({ peer: _p, to: _t, from: _f, ...rest }: Record<string, unknown>) => JSON.stringify(rest);
  return a.type === b.type && (a.type === 'job.start' || strip(a) === strip(b) || (a.digest !== undefined && a.digest === b.digest));
};

/** What each side of a link says crossed it, in order. */
function crossCheckLinks(trails: Map<string, Parsed>, coordinator: Parsed, findings: AuditFinding[]): void {
  const messages = (p: Parsed, event: string, peer: string) => byEvent(p, event).filter(({ e }) => e.data.peer === peer && !UNMATCHED.has(String(e.data.type)));
  for (const p of trails.values()) {
    if (p === coordinator || p.log.participant === 'regulator') continue;
    const me = p.log.participant;
    for (const [from, to, sent, got] of [
      [p, coordinator, messages(p, 'message.sent', 'coordinator'), messages(coordinator, 'message.received', me)],
      [coordinator, p, messages(coordinator, 'message.sent', me), messages(p, 'message.received', 'coordinator')],
    ] as const) {
      const n = Math.max(sent.length, got.length);
      for (let i = 0; i < n; i++) {
        const s = sent[i];
        const g = got[i];
        if (s && g && sameMessage(s.e.data, g.e.data)) continue;
        const said = s ? `${String(s.e.data.type)} (line ${s.line})` : 'nothing more';
        const heard = g ? `${String(g.e.data.type)} (line ${g.line})` : 'nothing more';
        findings.push({
          file: to.log.file,
          line: g?.line ?? 0,
          participant: to.log.participant,
          problem: `message ${i + 1} from ${from.log.participant} to ${to.log.participant}: ${from.log.participant} says it sent ${said}; ${to.log.participant} says it received ${heard}`,
        });
        break;
      }
    }
  }
}

/** What the recipient says it asked each holder against what the holder says it answered. */
function crossCheckData(trails: Map<string, Parsed>, findings: AuditFinding[]): void {
  for (const p of trails.values()) {
    for (const { e, line } of byEvent(p, 'data.ask')) {
      const holder = String(e.data.holder);
      const h = trails.get(holder);
      const answer = h ? byEvent(h, 'data.answer').find((a) => a.e.data.recipient === p.log.participant) : undefined;
      const keys = ['applicants', 'grants', 'purpose'] as const;
      const differs = keys.filter((k) => answer?.e.data[k] !== e.data[k]);
      if (!answer || differs.length)
        findings.push({
          file: p.log.file,
          line,
          participant: p.log.participant,
          problem: answer
            ? `says it asked ${holder} ${keys.map((k) => `${k} ${JSON.stringify(e.data[k])}`).join(', ')}; ${holder} (line ${answer.line}) says ${keys.map((k) => `${k} ${JSON.stringify(answer.e.data[k])}`).join(', ')}`
            : `says it asked ${holder}, whose trail records no answer`,
        });
    }
  }
}

/** One trail on its own (chain and signatures): its entries by line, and what is wrong with it. */
export function checkTrail(log: AuditLogText): { entries: (AuditEntry | undefined)[]; findings: AuditFinding[] } {
  const findings: AuditFinding[] = [];
  return { entries: parseTrail(log, findings).entries, findings };
}

/** Every check of one job's trails; `job` is the job id every entry must carry. */
export function verifyJobTrails(job: string, logs: readonly AuditLogText[]): JobAudit {
  const findings: AuditFinding[] = [];
  const trails = new Map<string, Parsed>();
  for (const log of logs) trails.set(log.participant, parseTrail(log, findings));
  for (const p of trails.values()) {
    const other = p.entries.findIndex((e) => e && e.job !== job);
    if (other >= 0)
      findings.push({ file: p.log.file, line: other + 1, participant: p.log.participant, problem: `belongs to job ${p.entries[other]?.job}, not ${job}` });
  }
  const coordinator = trails.get('coordinator');
  const countersigned = checkHeads(trails, coordinator, job, findings);
  if (countersigned && coordinator) {
    crossCheckLinks(trails, coordinator, findings);
    crossCheckData(trails, findings);
  }
  return {
    job,
    countersigned,
    entries: Object.fromEntries([...trails].map(([id, p]) => [id, p.entries.length])),
    findings,
  };
}
