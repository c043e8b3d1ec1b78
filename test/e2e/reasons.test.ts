/**
 * Decisions and rejection reasons end to end (in-process launcher, real
 * sockets, real SEAL, PSI alignment, both key designs): the bank's own output
 * holds a decision for every applicant and at least three reasons for every
 * rejection; from the frames each participant actually received, a holder
 * learns nothing about approved applicants and the bank never receives
 * another party's value. Each absence check is shown to fail on input that
 * has what it looks for.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Report, runScenario, summaryItems } from '@fedrisk/runner';
import {
  type DecisionRow,
  type DecisionsById,
  decodeCoordinatorFrame,
  decodeReasonReply,
  decodeReasonRequest,
  encodeReasonRequest,
  identityBoxKeys,
  openSealed,
  readDecisionsCsv,
  readReasonValuesCsv,
} from '@fedrisk/shared';
import { beforeAll, describe, expect, it } from 'vitest';
import { fileTempDir, inProcess, smallScenario } from '../helpers/fixtures.ts';

const DESIGNS = ['threshold', 'single-holder'] as const;
const HOLDERS = ['tax', 'guarantor'];
let report: Report;
let runDir: string;
const decisions = new Map<string, DecisionsById>();

beforeAll(async () => {
  const scenario = await smallScenario((s) => {
    if (s.data.kind === 'synthetic') s.data.businesses = 2500;
    s.job.applicants = 1500;
  });
  ({ report, runDir } = await runScenario({
    scenario,
    scenarioFile: 'e2e-reasons',
    runsDir: fileTempDir('fedrisk-reasons-'),
    captureFrames: true,
    launcher: inProcess(),
  }));
  for (const keys of DESIGNS) decisions.set(keys, await readDecisionsCsv(join(runDir, 'jobs', keys, 'parties', 'bank', 'out', 'decisions.csv')));
}, 120_000);

const partyOut = (keys: string, party: string, file: string) => join(runDir, 'jobs', keys, 'parties', party, 'out', file);
const identity = (party: string) => identityBoxKeys(readFileSync(join(runDir, 'identities', party, 'identity.key'), 'utf8').trim());

/** Every frame `who` received in one design's job, decoded. */
function received(keys: string, who: string) {
  const dir = join(runDir, 'jobs', keys, 'capture');
  return readdirSync(dir)
    .filter((f) => f.startsWith(`to-${who}-`))
    .map((f) => ({ raw: readFileSync(join(dir, f)), frame: decodeCoordinatorFrame(readFileSync(join(dir, f))) }));
}

/** Slots a request names whose applicant the bank approved: what a holder must never be asked about. */
function approvedAmong(slots: ArrayLike<number>, rows: readonly DecisionRow[]): number {
  return Array.from(slots).filter((slot) => rows[slot]?.decision === 'approve').length;
}

/** Places where any of `values` appears in `bytes`, as text or as a float64. */
function valueHits(bytes: Uint8Array, values: readonly string[]): number {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let hits = 0;
  for (const v of values) {
    const f64 = Buffer.alloc(8);
    f64.writeDoubleLE(Number(v));
    if (buf.includes(v) || buf.includes(f64)) hits++;
  }
  return hits;
}

describe('decisions in the bank’s own output', () => {
  it('every applicant has a decision, grade, score and limit; the report’s counts are the bank’s and the referee’s agree', () => {
    expect(report.ok, JSON.stringify(report.error)).toBe(true);
    const rows = [...(decisions.get('threshold') as DecisionsById).values()];
    expect(rows).toHaveLength(1500);
    const d = report.portfolio?.decisions;
    expect(d).toMatchObject({ source: 'recipient', agreesWithReferee: true });
    expect(rows.filter((r) => r.decision === 'approve')).toHaveLength(d?.approved ?? -1);
    expect(rows.filter((r) => r.decision === 'review')).toHaveLength(d?.review ?? -1);
    expect(Object.values(d?.byGrade ?? {}).reduce((s, g) => s + g.approved, 0)).toBe(d?.approved);
    expect(rows.filter((r) => r.decision === 'approve').every((r) => r.limit > 0 && r.reasons.length === 0)).toBe(true);
    expect(rows.every((r) => r.grade.length > 0 && Number.isFinite(r.score))).toBe(true);
  });

  it('every rejected applicant (or one sent to review) has at least three reasons, in both designs', () => {
    for (const keys of DESIGNS) {
      const rejected = [...(decisions.get(keys) as DecisionsById).values()].filter((r) => r.decision !== 'approve');
      expect(rejected.length).toBeGreaterThan(50);
      expect(rejected.every((r) => r.reasons.length >= 3)).toBe(true);
      expect(new Set(rejected.flatMap((r) => r.reasons.map((x) => x.party)))).toEqual(new Set(['bank', ...HOLDERS]));
    }
    const r = report.reasons;
    expect(r?.withMin).toBe(r?.rejected);
    expect(r?.short).toBe(0);
    expect(r?.quality.compared).toBeGreaterThan(0);
    expect(r?.example?.lines.length).toBeGreaterThanOrEqual(3);
    expect(summaryItems(report, runDir).join('\n')).toMatch(/reasons +\d+ rejected or sent to review, \d+ with at least 3 reasons[\s\S]*quality +top 3/);
  });
});

describe('what the reasons step lets out', () => {
  it('a holder is asked only about rejected applicants it has a record of, sealed (and the check fails on a request that names approved ones)', () => {
    for (const keys of DESIGNS) {
      const rows = [...(decisions.get(keys) as DecisionsById).values()];
      for (const holder of HOLDERS) {
        const requests = received(keys, holder).filter(({ frame }) => frame.msg.type === 'reasons.request');
        expect(requests).toHaveLength(1);
        const { slots } = decodeReasonRequest(openSealed(identity(holder), requests[0]?.frame.blobs[0] as Uint8Array, 'request'), rows.length, 'bank');
        expect(slots.length).toBeGreaterThan(0);
        expect(approvedAmong(slots, rows)).toBe(0);
        // the coordinator relayed it without being able to open it
        expect(() => openSealed(identity('bank'), requests[0]?.frame.blobs[0] as Uint8Array, 'request')).toThrow();
      }
      // the same check on a request that names every applicant finds the approved ones
      const all = decodeReasonRequest(encodeReasonRequest([...rows.keys()], 3, rows.length), rows.length, 'bank');
      expect(approvedAmong(all.slots, rows)).toBeGreaterThan(0);
    }
  });

  it('the bank receives codes and bands only, for rejected applicants only: no holder value in any frame it received (and the scan finds them where they are)', async () => {
    for (const keys of DESIGNS) {
      const rows = [...(decisions.get(keys) as DecisionsById).values()];
      const rejected = new Set(rows.flatMap((r, slot) => (r.decision === 'approve' ? [] : [slot])));
      const frames = received(keys, 'bank');
      const replies = frames.filter(({ frame }) => frame.msg.type === 'reasons.reply');
      expect(replies).toHaveLength(HOLDERS.length);
      for (const holder of HOLDERS) {
        // the values this holder holds for the reasons it gave: long enough not to turn up in random bytes by chance
        const own = await readReasonValuesCsv(partyOut(keys, holder, 'reason-values.csv'));
        const values = [...new Set(own.map((v) => v.value))].filter((v) => v.length >= 6 && Number.isFinite(Number(v)));
        expect(values.length).toBeGreaterThan(20);
        const reply = replies.find(({ frame }) => 'from' in frame.msg && frame.msg.from === holder);
        const opened = openSealed(identity('bank'), reply?.frame.blobs[0] as Uint8Array, 'reply');
        const { rows: answered } = decodeReasonReply(opened, rejected, 3, rows.length, holder);
        expect(answered.length).toBeGreaterThan(0);
        expect(answered.every((a) => rejected.has(a.slot))).toBe(true);
        expect(valueHits(opened, values)).toBe(0);
        expect(frames.reduce((n, { raw }) => n + valueHits(raw, values), 0)).toBe(0);
        // the holder's own notice file does hold them: the scan finds what is there
        expect(valueHits(readFileSync(partyOut(keys, holder, 'reason-values.csv')), values)).toBe(values.length);
      }
    }
  });

  it('the ledger counts what each participant received: codes and bands at the bank, rejected slots at the holders, sealed blobs at the coordinator', () => {
    const ledger = report.ledger;
    expect(ledger.bank?.received.reasonCodes).toBeGreaterThan(0);
    expect(ledger.bank?.received.reasonBands).toBeGreaterThan(0);
    expect(ledger.bank?.received.reasonBands).toBeLessThanOrEqual(ledger.bank?.received.reasonCodes ?? 0);
    const sum = Object.values(report.reasons?.received ?? {}).reduce((s, x) => s + x.codes, 0);
    expect(sum).toBe(ledger.bank?.received.reasonCodes);
    for (const h of HOLDERS) {
      expect(ledger[h]?.received.rejectedSlots).toBeGreaterThan(0);
      expect(ledger[h]?.received.reasonCodes).toBe(0);
    }
    // request, reply, and the refinement's sealed plan to each holder
    expect(ledger.coordinator?.received.sealedReasons).toBe(3 * HOLDERS.length);
    expect(ledger.coordinator?.received.reasonCodes).toBe(0);
    expect(report.phases.map((p) => p.name)).toContain('reasons');
  });

  it('the refinement compares the contested pairs under encryption: the bank reads one masked sign per pair, a holder none, and the top 3 agree with the referee in >= 95 %', () => {
    const ledger = report.ledger;
    const refined = report.reasons?.refined;
    expect(refined?.pairs).toBeGreaterThan(0);
    expect(ledger.bank?.received.reasonComparisons).toBe(refined?.pairs);
    for (const h of HOLDERS) expect(ledger[h]?.received.reasonComparisons).toBe(0);
    expect(ledger.coordinator?.received.reasonComparisons).toBe(0);
    for (const keys of DESIGNS) {
      const types = received(keys, 'bank').map(({ frame }) => frame.msg.type);
      expect(types.filter((t) => t === 'reasons.masked')).toHaveLength(HOLDERS.length);
      // one operand from the bank to each holder and from each earlier holder to each later one: a fixed shape
      expect(received(keys, 'guarantor').filter(({ frame }) => frame.msg.type === 'reasons.operand')).toHaveLength(2);
      expect(received(keys, 'tax').filter(({ frame }) => frame.msg.type === 'reasons.operand')).toHaveLength(1);
    }
    const q = report.reasons?.quality;
    expect(q?.compared).toBeGreaterThan(100);
    expect(q?.sameSetRate).toBeGreaterThanOrEqual(0.95);
    expect(summaryItems(report, runDir).join('\n')).toMatch(/refined +\d+ contested pairs compared under encryption/);
  });
});
