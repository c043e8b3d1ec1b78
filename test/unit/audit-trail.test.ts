/**
 * Audit trails on their own (no sockets): three participants write trails,
 * exchange and countersign their heads as a job does, and the verifier finds
 * nothing; then every kind of tampering is tried on one trail at a time and
 * must be named by file, line and participant.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  type AuditLogText,
  AuditTrail,
  auditBody,
  auditHash,
  createIdentity,
  type IdentityKeys,
  messageFacts,
  type SignedHead,
  signFields,
  verifyJobTrails,
} from '@fedrisk/shared';
import { beforeAll, describe, expect, it } from 'vitest';
import { fileTempDir } from '../helpers/fixtures.ts';

const JOB = 'job-unit';
const WHO = ['coordinator', 'bank', 'tax'] as const;
type Who = (typeof WHO)[number];
let dir: string;
const keys = new Map<Who, IdentityKeys>();
const clean = new Map<Who, string>();

/** A small job's trails: the bank asks tax through the coordinator, tax answers; then the heads are countersigned. */
function writeJob(): void {
  const now = () => new Date('2026-11-28T00:00:00Z');
  const t = new Map(
    WHO.map((w) => [w, new AuditTrail({ file: join(dir, `${w}.jsonl`), participant: w, job: JOB, identityKey: keys.get(w)?.privateKey as string, now })]),
  );
  const c = t.get('coordinator') as AuditTrail;
  const bank = t.get('bank') as AuditTrail;
  const tax = t.get('tax') as AuditTrail;
  const blob = new Uint8Array([1, 2, 3]);
  const hop = (from: AuditTrail, to: AuditTrail, msg: { type: string } & Record<string, unknown>, blobs: Uint8Array[] = []) => {
    const facts = messageFacts(msg, blobs);
    if (from === c) {
      c.append('message.sent', { peer: to.participant, ...facts });
      to.append('message.received', { peer: 'coordinator', ...facts });
    } else {
      from.append('message.sent', { peer: 'coordinator', ...facts });
      c.append('message.received', { peer: from.participant, ...facts });
    }
  };
  bank.append('data.load', { rows: 10, columns: ['a'] });
  tax.append('data.load', { rows: 12, columns: ['b'] });
  hop(c, bank, { type: 'job.start', kind: 'scoring' });
  hop(c, tax, { type: 'job.start', kind: 'scoring' });
  hop(bank, c, { type: 'psi.blinded', to: 'tax', points: 8 }, [blob]);
  hop(c, tax, { type: 'psi.blinded', from: 'bank', points: 8 }, [blob]);
  bank.append('data.ask', { holder: 'tax', applicants: 8, grants: 7, purpose: 'credit assessment' });
  tax.append('data.answer', { recipient: 'bank', applicants: 8, grants: 7, matched: 6, authorised: 5, unauthorised: 1, purpose: 'credit assessment' });
  tax.append('data.use', { purpose: 'credit assessment', columns: ['b'], records: 5, slots: 8 });
  hop(tax, c, { type: 'scores.partial', slots: 8, chunks: 1 }, [blob]);
  const heads: SignedHead[] = WHO.map((w) => (t.get(w) as AuditTrail).signedHead());
  const counters = Object.fromEntries(WHO.map((w) => [w, (t.get(w) as AuditTrail).countersign(heads)]));
  bank.append('heads', { heads, countersignature: counters.bank });
  tax.append('heads', { heads, countersignature: counters.tax });
  c.append('heads', { heads, countersignatures: counters });
  hop(c, bank, { type: 'job.end', ok: true });
  hop(c, tax, { type: 'job.end', ok: true });
  for (const trail of t.values()) trail.close();
}

const logs = (texts: Map<Who, string>): AuditLogText[] =>
  WHO.map((w) => ({ file: `${w}.jsonl`, participant: w, publicKey: keys.get(w)?.publicKey, text: texts.get(w) as string }));
const lines = (w: Who) => (clean.get(w) as string).trimEnd().split('\n');
const withTrail = (w: Who, text: string) => new Map([...clean, [w, text]]);
const findingsOf = (texts: Map<Who, string>) => verifyJobTrails(JOB, logs(texts)).findings;

/** Rewrites a whole trail with its own key, every line consistent: what a participant could do alone, later. */
function rewritten(w: Who, change: (data: Record<string, unknown>, event: string) => void): string {
  let prev = '0'.repeat(64);
  return `${lines(w)
    .map((l) => {
      const e = JSON.parse(l);
      change(e.data, e.event);
      e.prev = prev;
      e.hash = auditHash(auditBody(e));
      e.sig = signFields(keys.get(w)?.privateKey as string, ['fedrisk/audit/v1', e.hash]);
      prev = e.hash;
      return JSON.stringify(e);
    })
    .join('\n')}\n`;
}

beforeAll(() => {
  dir = fileTempDir('fedrisk-audit-');
  for (const w of WHO) keys.set(w, createIdentity());
  writeJob();
  for (const w of WHO) clean.set(w, readFileSync(join(dir, `${w}.jsonl`), 'utf8'));
});

describe('audit trails', () => {
  it('verify untouched, countersigned by every participant, each file owner-only and never holding a blob', () => {
    const result = verifyJobTrails(JOB, logs(clean));
    expect(result.findings).toEqual([]);
    expect(result.countersigned).toBe(true);
    expect(clean.get('bank')).not.toMatch(/"blob"|AQID/); // the blob [1,2,3] is only ever a digest
    for (const w of WHO) expect(statSync(join(dir, `${w}.jsonl`)).mode & 0o777).toBe(0o600);
  });

  it('names an edited line', () => {
    const l = lines('tax');
    const at = l.findIndex((x) => x.includes('"data.answer"'));
    l[at] = (l[at] as string).replace('"unauthorised":1', '"unauthorised":0');
    expect(findingsOf(withTrail('tax', `${l.join('\n')}\n`))).toContainEqual({
      file: 'tax.jsonl',
      line: at + 1,
      participant: 'tax',
      problem: 'was edited: its content does not match its hash',
    });
  });

  it('names a line whose own number was edited once, without blaming every line after it', () => {
    const l = lines('tax');
    l[2] = (l[2] as string).replace(/"seq":2\b/, '"seq":44');
    const found = findingsOf(withTrail('tax', `${l.join('\n')}\n`)).filter((f) => f.file === 'tax.jsonl');
    expect(found).toContainEqual({ file: 'tax.jsonl', line: 3, participant: 'tax', problem: 'was edited: its content does not match its hash' });
    expect(found.filter((f) => /reordered|repeated|missing/.test(f.problem))).toEqual([]);
  });

  it('names a deleted line', () => {
    const l = lines('bank');
    l.splice(2, 1);
    expect(findingsOf(withTrail('bank', `${l.join('\n')}\n`))).toContainEqual(
      expect.objectContaining({ file: 'bank.jsonl', line: 3, participant: 'bank', problem: expect.stringMatching(/entry 2 is missing .*deleted/) }),
    );
  });

  it('names reordered lines', () => {
    const l = lines('coordinator');
    [l[3], l[4]] = [l[4] as string, l[3] as string];
    const found = findingsOf(withTrail('coordinator', `${l.join('\n')}\n`));
    expect(found).toContainEqual(
      expect.objectContaining({ file: 'coordinator.jsonl', line: 4, participant: 'coordinator', problem: expect.stringMatching(/reordered/) }),
    );
    expect(found).toContainEqual(expect.objectContaining({ line: 5, problem: expect.stringMatching(/reordered/) }));
  });

  it('names the last lines cut off, through the others’ records of what was sent', () => {
    const l = lines('tax').slice(0, -1);
    expect(findingsOf(withTrail('tax', `${l.join('\n')}\n`))).toContainEqual(
      expect.objectContaining({ participant: 'tax', problem: expect.stringMatching(/job.end .* received nothing more/) }),
    );
  });

  it('catches a whole trail rewritten and re-signed by its own participant after the countersigned heads', () => {
    // the bank hides that it asked tax about more businesses: every line verifies on its own
    const text = rewritten('bank', (data, event) => {
      if (event === 'data.ask') data.applicants = 7;
    });
    const found = findingsOf(withTrail('bank', text));
    expect(found.filter((f) => /edited|signature/.test(f.problem))).toEqual([]);
    expect(found).toContainEqual(expect.objectContaining({ participant: 'bank', problem: expect.stringMatching(/no longer holds the head bank signed/) }));
    expect(found).toContainEqual(
      expect.objectContaining({ participant: 'bank', problem: expect.stringMatching(/says it asked tax .*applicants 7.*applicants 8/) }),
    );
  });

  it('catches a line signed with another key', () => {
    const l = lines('tax');
    const e = JSON.parse(l[1] as string);
    e.sig = signFields(createIdentity().privateKey, ['fedrisk/audit/v1', e.hash]);
    l[1] = JSON.stringify(e);
    expect(findingsOf(withTrail('tax', `${l.join('\n')}\n`))).toContainEqual(
      expect.objectContaining({ line: 2, participant: 'tax', problem: expect.stringMatching(/signature does not verify/) }),
    );
  });
});
