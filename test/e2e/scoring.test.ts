/**
 * The whole product path with real parts: separate OS processes for the
 * coordinator and each party, real WebSockets on 127.0.0.1, real SEAL.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { LINE_WIDTH, type Report, readScores, runScenario, summarise, summaryItems } from '@fedrisk/runner';
import { createRng, loadPartyCsv, type PartyModel, partialLogitsFor, readDecisionsCsv, tableSchemaOf } from '@fedrisk/shared';
import { beforeAll, describe, expect, it } from 'vitest';
import { foundIn } from '../helpers/canaries.ts';
import { fileTempDir, smallScenario } from '../helpers/fixtures.ts';
import { maskFigures, shapeLines } from '../helpers/shape.ts';

let report: Report;
let runDir: string;
let scenario: Awaited<ReturnType<typeof smallScenario>>;
const lines: string[] = [];

beforeAll(async () => {
  scenario = await smallScenario();
  const result = await runScenario({
    scenario,
    scenarioFile: 'e2e',
    runsDir: fileTempDir('fedrisk-e2e-'),
    captureFrames: true,
    logLevel: 'debug',
    onLine: (l) => lines.push(l),
  });
  report = result.report;
  runDir = result.runDir;
}, 120_000);

const received = new Map<string, Buffer[]>();
/** All raw frames a participant received during the run, in every design's job (read once). */
function framesReceivedBy(who: string): Buffer[] {
  const frames = received.get(who) ?? ['threshold', 'single-holder'].flatMap((keys) => framesOfJob(keys, who));
  received.set(who, frames);
  return frames;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function framesOfJob(keys: string, who: string): Buffer[] {
  const dir = join(runDir, 'jobs', keys, 'capture');
  const prefix = who === 'coordinator' ? 'to-coordinator-' : `to-${who}-`;
  return readdirSync(dir)
    .filter((f) => f.startsWith(prefix))
    .map((f) => readFileSync(join(dir, f)));
}

function float64Bytes(x: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(x);
  return b;
}

function sample<T>(items: readonly T[], n: number, seed: number): T[] {
  const rng = createRng(seed);
  return Array.from({ length: Math.min(n, items.length) }, () => items[Math.floor(rng.next() * items.length)] as T);
}

describe('joint scoring end to end, threshold keys and single key holder on the same data', () => {
  it('succeeds for both designs and says so in a short human summary', () => {
    expect(report.ok, JSON.stringify(report.error)).toBe(true);
    expect(report.designs.map((d) => [d.keys, d.ok])).toEqual([
      ['threshold', true],
      ['single-holder', true],
    ]);
    const text = lines.join('\n');
    expect(text).toMatch(/Scored 2000 businesses jointly \(keys: threshold\)/);
    expect(text).toMatch(/designs\s+keys/);
    expect(text).toMatch(/report\s+.*report\.json/);
  });

  it("reproduces the plaintext scores within each design's bound and beats the bank alone", () => {
    for (const d of report.designs) {
      const v = d.verification;
      expect(v, d.keys).toBeDefined();
      if (!v) continue;
      // threshold decryption adds smudging noise: its bound is 1e-4; a single key holder's is 1e-6
      expect(v.maxAbsLogitError).toBeLessThanOrEqual(d.keys === 'threshold' ? 1e-4 : 1e-6);
      expect(v.maxAbsLogitError).toBeGreaterThan(0); // CKKS is approximate: an exact match would mean no encryption happened
      expect(v.auc).toBeCloseTo(v.plainAuc, 4);
      expect(v.auc).toBeGreaterThan(v.bankOnlyAuc);
      expect(v.ks).toBeGreaterThan(0);
    }
    expect(report.businesses.scored).toBe(2000);
    const t = report.designs[0]?.threshold;
    expect(t?.smudgingBits).toBe((t?.noiseBoundBits ?? 0) + 40);
    expect(report.designs[0]?.verification?.maxAbsLogitError).toBeLessThan(8 * (t?.expectedSlotErrorStd ?? 0));
  });

  it('shows who holds which key material: the coordinator holds none but public material', () => {
    for (const d of report.designs) {
      const coordinator = d.keyCustody.find((k) => k.participant === 'coordinator');
      expect(coordinator?.holds.length).toBeGreaterThan(0);
      expect(coordinator?.holds.join(' ')).not.toMatch(/secret/);
    }
    const threshold = report.designs[0];
    for (const p of ['bank', 'tax', 'guarantor'])
      expect(threshold?.keyCustody.find((k) => k.participant === p)?.holds.join(' ')).toMatch(/secret-key share \(its own only\)/);
    const single = report.designs[1];
    expect(single?.keyCustody.find((k) => k.participant === 'bank')?.holds.join(' ')).toMatch(/secret key \(the whole key\)/);
    expect(single?.keyCustody.find((k) => k.participant === 'tax')?.holds.join(' ')).not.toMatch(/secret/);
  });

  it('writes the report contract', () => {
    const onDisk = JSON.parse(readFileSync(join(runDir, 'report.json'), 'utf8')) as Report;
    for (const key of ['maxAbsLogitError', 'auc', 'ks', 'bankOnlyAuc'] as const) expect(typeof onDisk.verification?.[key]).toBe('number');
    expect(onDisk.phases.map((p) => p.name)).toEqual(['join', 'align', 'keys', 'encrypt', 'aggregate', 'decrypt', 'reasons']);
    for (const p of onDisk.phases) expect(p.ms).toBeGreaterThanOrEqual(0);
    const link = (from: string, to: string) => onDisk.links.find((l) => l.from === from && l.to === to);
    for (const party of ['bank', 'tax', 'guarantor']) {
      expect(link(party, 'coordinator')?.bytes).toBeGreaterThan(0);
      expect(link('coordinator', party)?.messages).toBeGreaterThan(0);
    }
    expect(onDisk.bytesOnWire).toBe(onDisk.links.reduce((s, l) => s + l.bytes, 0));
    expect(readFileSync(join(runDir, '..', 'latest', 'report.json'), 'utf8')).toBe(readFileSync(join(runDir, 'report.json'), 'utf8'));
  });

  it("the bank's own output has a decision for every applicant and at least three reasons for every rejection (real processes)", async () => {
    const rows = [...(await readDecisionsCsv(join(runDir, 'jobs', 'threshold', 'parties', 'bank', 'out', 'decisions.csv'))).values()];
    expect(rows).toHaveLength(2000);
    const rejected = rows.filter((r) => r.decision !== 'approve');
    expect(rejected.length).toBeGreaterThan(0);
    expect(rejected.every((r) => r.reasons.length >= 3)).toBe(true);
    expect(report.portfolio?.decisions.agreesWithReferee).toBe(true);
    expect(report.reasons?.rejected).toBe(rejected.length);
    expect(report.ledger.tax?.received.rejectedSlots).toBeGreaterThan(0);
  });

  it('counts in the ledger what each participant actually received (single key holder)', () => {
    const chunks = report.crypto.ciphertextsPerParty;
    const { coordinator, bank, tax, guarantor } = report.designs[1]?.ledger ?? {};
    // aligned by PSI: no raw business id crosses the wire. The reasons refinement adds a fresh public key per holder,
    // 3 operands (bank -> tax, bank -> guarantor, tax -> guarantor) and 2 masked ciphertexts, whatever was contested
    expect(coordinator?.received).toMatchObject({
      businessIds: 0,
      publicKeys: 3,
      ciphertexts: 3 * chunks + 5,
      plaintextValues: 0,
      secretKeys: 0,
      credentials: 3,
    });
    expect(coordinator?.decrypted).toBe(0);
    // this job reused the threshold job's alignment (job.reuseAlignment): no blinded id this time
    expect(report.designs[1]?.alignment.reusedFrom).toBe('threshold');
    for (const [holder, operands] of [
      [tax, 1],
      [guarantor, 2],
    ] as const) {
      expect(holder?.received).toMatchObject({
        businessIds: 0,
        blindedIds: 0,
        publicKeys: 2,
        ciphertexts: operands,
        plaintextValues: 0,
        secretKeys: 0,
        reasonComparisons: 0,
      });
      expect(holder?.decrypted).toBe(0);
    }
    expect(bank?.received).toMatchObject({ businessIds: 0, publicKeys: 0, ciphertexts: chunks + 2, secretKeys: 0 });
    // its scores, and one masked sign per contested pair
    expect(bank?.decrypted).toBe(2000 + (bank?.received.reasonComparisons ?? -1));
  });

  it('counts in the ledger what each participant actually received (threshold)', () => {
    const chunks = report.crypto.ciphertextsPerParty;
    const { coordinator, bank, tax, guarantor } = report.ledger;
    const a = report.alignment;
    expect(report.keys).toBe('threshold');
    const customers = (h: string) => a.holders[h]?.customers ?? 0;
    // the coordinator relays blinded ids, key shares, inputs and sealed shares, and can open none of them
    expect(coordinator?.received).toMatchObject({
      businessIds: 0,
      blindedIds: 2 * 2000 + 2 * 2000 + customers('tax') + customers('guarantor'),
      publicKeys: 2,
      publicKeyShares: 3,
      ciphertexts: 3 * chunks + 5,
      sealedDecryptionShares: 2 * chunks,
      // the reasons step's requests, answers and comparison plans, sealed: it cannot open them either
      sealedReasons: 6,
      reasonCodes: 0,
      plaintextValues: 0,
      secretKeys: 0,
    });
    expect(coordinator?.decrypted).toBe(0);
    // every party gets the other parties' key shares and inputs, to verify what it is asked to decrypt
    for (const [id, holder] of [
      ['tax', tax],
      ['guarantor', guarantor],
    ] as const) {
      expect(holder?.received).toMatchObject({
        businessIds: 0,
        blindedIds: 2000,
        alignmentSlots: a.holders[id]?.trueIntersection,
        publicKeyShares: 2,
        // the refinement's operands: one from the bank, and the guarantor one from tax
        ciphertexts: 2 * chunks + (id === 'tax' ? 1 : 2),
        sealedDecryptionShares: 0,
        plaintextValues: 0,
        secretKeys: 0,
      });
      expect(holder?.decrypted).toBe(0);
    }
    expect(bank?.received).toMatchObject({
      businessIds: 0,
      blindedIds: 2 * 2000 + customers('tax') + customers('guarantor'),
      publicKeyShares: 2,
      ciphertexts: 2 * chunks + 2,
      sealedDecryptionShares: 2 * chunks,
      secretKeys: 0,
    });
    expect(bank?.decrypted).toBe(2000 + (bank?.received.reasonComparisons ?? -1));
    const gaps = report.businesses.perParty;
    expect(gaps.bank?.gaps).toBe(0);
    expect(gaps.guarantor?.gaps).toBeGreaterThan(0);
  });

  it('no raw record, partial score or result reaches a participant that should not see it', async () => {
    const dataDir = join(runDir, 'data');
    const ids = readFileSync(join(runDir, 'jobs', 'threshold', 'parties', 'bank', 'applicants.txt'), 'utf8')
      .trim()
      .split('\n');
    const parties = scenario.parties;
    const everyone = ['coordinator', ...parties.map((p) => p.id)];
    const privatePartials: number[] = [];
    for (const p of parties) {
      const table = await loadPartyCsv(join(dataDir, `${p.id}.csv`), tableSchemaOf(scenario, p.id));
      const model = scenario.model[p.id] as PartyModel;
      // the neutral value (a gap) is public by design; every other partial is private
      const partials = Array.from(partialLogitsFor(table, model, ids).values).filter((x) => x !== model.intercept);
      privatePartials.push(...partials);
      // raw cells long enough not to occur by chance, and the party's partial logits, in text and in binary
      const cells = readFileSync(join(dataDir, `${p.id}.csv`), 'utf8')
        .split('\n')
        .slice(1)
        .flatMap((line) => line.split(',').slice(1))
        .filter((c) => c.length >= 7);
      const canaries = [
        ...sample(cells, 150, 1).map((c) => Buffer.from(c)),
        ...sample(partials, 60, 2).flatMap((x) => [float64Bytes(x), Buffer.from(String(x))]),
      ];
      expect(canaries.length).toBeGreaterThan(100);
      for (const who of everyone.filter((w) => w !== p.id)) {
        const frames = framesReceivedBy(who);
        expect(frames.length).toBeGreaterThan(0);
        expect(foundIn(frames, canaries).map(hex), `${p.id}'s private values reached ${who}`).toEqual([]);
      }
    }
    // the joint result stays with the bank
    const scores = [
      ...(await readScores(join(runDir, 'jobs', 'threshold', 'parties', 'bank', 'out', 'scores.csv'))).values(),
      ...(await readScores(join(runDir, 'jobs', 'single-holder', 'parties', 'bank', 'out', 'scores.csv'))).values(),
    ];
    const resultCanaries = sample(scores, 60, 3).flatMap((x) => [float64Bytes(x), Buffer.from(String(x))]);
    for (const who of ['coordinator', 'tax', 'guarantor']) {
      expect(foundIn(framesReceivedBy(who), resultCanaries).map(hex), `a joint score reached ${who}`).toEqual([]);
    }
    // and nothing private reaches a log line, even at debug level
    const logs = ['threshold', 'single-holder'].flatMap((keys) => {
      const dir = join(runDir, 'jobs', keys, 'logs');
      return readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8'));
    });
    expect(logs.join('').length).toBeGreaterThan(1000);
    for (const x of sample(privatePartials, 40, 4)) for (const log of logs) expect(log.includes(String(x))).toBe(false);
    for (const x of sample(scores, 40, 5)) for (const log of logs) expect(log.includes(String(x))).toBe(false);
  });
});

describe('the report and summary keep their shape (golden files)', () => {
  it('report.json has every field, with its type, that it had', () => {
    const golden = readFileSync(new URL('../golden/report-shape.txt', import.meta.url), 'utf8')
      .trim()
      .split('\n');
    const now = new Set(shapeLines(report));
    const missing = golden.filter((line) => !now.has(line));
    expect(missing).toEqual([]);
  });

  it('the console summary has the same lines, figures aside, and fits 100 columns', async () => {
    // the golden holds the logical lines (regenerated for issue 13's summary): where a line wraps depends on its figures
    // `npx vitest run -u` rewrites the golden after a deliberate change of wording
    await expect(maskFigures(summaryItems(report, 'RUN').join('\n'))).toMatchFileSnapshot('../golden/summary.txt');
    const printed = summarise(report, 'RUN');
    expect(printed.filter((line) => line.length > LINE_WIDTH)).toEqual([]);
    expect(printed.join(' ').split(/\s+/).join(' ')).toBe(summaryItems(report, 'RUN').join(' ').split(/\s+/).join(' '));
  });
});

describe('files on disk', () => {
  it('the run folder and every file holding data, keys, labels or scores are readable by their owner only', () => {
    const mode = (p: string) => statSync(p).mode & 0o777;
    expect(mode(runDir)).toBe(0o700);
    const job = join(runDir, 'jobs', 'threshold');
    for (const file of [
      join(runDir, 'data', 'bank.csv'),
      join(runDir, 'referee', 'population.csv'),
      join(runDir, 'report.json'),
      join(job, 'parties', 'bank', 'config.json'), // holds the bank's identity key
      join(job, 'parties', 'bank', 'applicants.txt'),
      join(job, 'parties', 'bank', 'out', 'scores.csv'),
      join(job, 'coordinator', 'job-record.json'),
      join(job, 'logs', 'bank.log'),
    ]) {
      expect(mode(file), file).toBe(0o600);
    }
  });
});
