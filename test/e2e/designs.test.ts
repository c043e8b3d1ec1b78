/**
 * Every design side by side on the same data: threshold CKKS, per-value
 * Paillier on a sample (as FATE's hetero-LR), and plaintext, the cost floor.
 * Real sockets, real SEAL, real Paillier, participants in this process.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Report, readScores, runScenario } from '@fedrisk/runner';
import { loadPartyCsv, modelFromSpec, type PartyModel, partialLogitsFor, tableSchemaOf } from '@fedrisk/shared';
import { beforeAll, describe, expect, it } from 'vitest';
import { fileTempDir, inProcess, smallScenario } from '../helpers/fixtures.ts';

const APPLICANTS = 120;
const SAMPLE = 6;
let report: Report;
let runDir: string;
let scenario: Awaited<ReturnType<typeof smallScenario>>;
const lines: string[] = [];

beforeAll(async () => {
  scenario = await smallScenario((s) => {
    s.name = 'designs';
    if (s.data.kind === 'synthetic') s.data.businesses = 400;
    s.job.applicants = APPLICANTS;
    s.job.compareWith = ['plaintext', 'paillier'];
    s.crypto.paillier = { keyBits: 2048, sample: SAMPLE };
    // every applicant authorises: a holder's values on the wire are then its partial logits, with none withheld
    s.governance.authorisations.share = 1;
  });
  const result = await runScenario({
    scenario,
    scenarioFile: 'designs',
    runsDir: fileTempDir('fedrisk-designs-'),
    launcher: inProcess(),
    captureFrames: true,
    onLine: (l) => lines.push(l),
  });
  report = result.report;
  runDir = result.runDir;
}, 120_000);

const design = (keys: string) => report.designs.find((d) => d.keys === keys) as Report['designs'][number];

/** Every raw frame the coordinator received in one design's job. */
function framesToCoordinator(keys: string): Buffer[] {
  const dir = join(runDir, 'jobs', keys, 'capture');
  return readdirSync(dir)
    .filter((f) => f.startsWith('to-coordinator-'))
    .map((f) => readFileSync(join(dir, f)));
}

describe('designs side by side: threshold, plaintext, paillier', () => {
  it('every design succeeds and verifies against the referee, within its own target', () => {
    expect(report.designs.map((d) => [d.keys, d.ok])).toEqual([
      ['threshold', true],
      ['plaintext', true],
      ['paillier', true],
    ]);
    expect(design('plaintext').verification?.maxAbsLogitError).toBeLessThan(1e-9);
    expect(design('paillier').verification?.maxAbsLogitError).toBeLessThan(1e-9);
    expect(design('plaintext').verification?.scored).toBe(APPLICANTS);
    expect(design('paillier').verification?.scored).toBe(SAMPLE);
  });

  it('paillier runs on its sample and says so, with time and bytes scaled to every applicant', () => {
    const p = design('paillier');
    expect(p.sample).toMatchObject({ values: SAMPLE, of: APPLICANTS });
    // the ciphertext bytes, exactly: (3 parties + the sum) x 512 bytes for each applicant not encrypted
    expect((p.sample?.extrapolated.bytesOnWire ?? 0) - p.bytesOnWire).toBe(4 * (APPLICANTS - SAMPLE) * 512);
    expect(p.sample?.extrapolated.jobMs).toBeGreaterThan(p.timings.jobMs);
    expect(design('threshold').sample).toBeUndefined();
    const out = lines.join(' ').replace(/\s+/g, ' ');
    expect(out).toMatch(
      new RegExp(`paillier encrypted the first ${SAMPLE} of ${APPLICANTS} applicants; scaled to all ${APPLICANTS} \\(estimated, not measured\\)`),
    );
    expect(out).toMatch(/plaintext true [\d.]+ [\d.]+ [\d.]+ [KM]B [\d.]+e[-+]\d+/);
  });

  it('the paillier scores are the plaintext ones for the sampled applicants', async () => {
    const plain = await readScores(join(runDir, 'jobs', 'plaintext', 'parties', 'bank', 'out', 'scores.csv'));
    const paillier = await readScores(join(runDir, 'jobs', 'paillier', 'parties', 'bank', 'out', 'scores.csv'));
    const ids = readFileSync(join(runDir, 'jobs', 'paillier', 'parties', 'bank', 'applicants.txt'), 'utf8')
      .trim()
      .split('\n');
    for (const id of ids.slice(0, SAMPLE)) expect(Math.abs((paillier.get(id) as number) - (plain.get(id) as number))).toBeLessThan(1e-9);
    expect(paillier.get(ids[SAMPLE] as string)).toBeUndefined();
  });

  it('says what each participant could read: the coordinator reads every partial score in plaintext, nothing under paillier or threshold', () => {
    const parties = scenario.parties.length;
    // the bank also reads one masked sign per contested pair of the reasons refinement
    const signs = (keys: string) => design(keys).ledger.bank?.received.reasonComparisons ?? -1;
    expect(design('plaintext').reads).toEqual({ coordinator: parties * APPLICANTS, bank: APPLICANTS + signs('plaintext'), tax: 0, guarantor: 0 });
    expect(design('paillier').reads).toEqual({ coordinator: 0, bank: SAMPLE + signs('paillier'), tax: 0, guarantor: 0 });
    expect(design('threshold').reads).toEqual({ coordinator: 0, bank: APPLICANTS + signs('threshold'), tax: 0, guarantor: 0 });
    // + the refinement's 3 operands and 2 masked ciphertexts (CKKS, under the bank's fresh key)
    expect(design('paillier').ledger.coordinator?.received.ciphertexts).toBe(parties * SAMPLE + 5);
    expect(design('paillier').keyCustody).toEqual([
      { participant: 'coordinator', holds: ['public key (relayed)'] },
      {
        participant: 'bank',
        holds: [
          'identity signing key',
          'Paillier secret key (the whole key)',
          'Paillier public key',
          'secret key of the reasons refinement (fresh, its own)',
          'public key of the reasons refinement',
        ],
      },
      { participant: 'tax', holds: ['identity signing key', 'Paillier public key'] },
      { participant: 'guarantor', holds: ['identity signing key', 'Paillier public key'] },
    ]);
  });

  it("the tax bureau's partial scores cross the wire in the clear under plaintext, and never under paillier", async () => {
    // the check finds the values where they are (plaintext), so its silence under paillier means something
    const table = await loadPartyCsv(join(runDir, 'data', 'tax.csv'), tableSchemaOf(scenario, 'tax'));
    const ids = readFileSync(join(runDir, 'jobs', 'paillier', 'parties', 'bank', 'applicants.txt'), 'utf8')
      .trim()
      .split('\n')
      .slice(0, SAMPLE);
    const model: PartyModel = modelFromSpec(scenario.model.tax ?? { intercept: 0 }, 'tax');
    const partial = partialLogitsFor(table, model, ids);
    const bytes = (x: number) => {
      const b = Buffer.alloc(8);
      b.writeDoubleLE(x);
      return b;
    };
    const values = [...partial.values].filter((v) => v !== 0);
    expect(values.length).toBeGreaterThan(0);
    const seen = (keys: string) => values.filter((v) => framesToCoordinator(keys).some((f) => f.includes(bytes(v)))).length;
    expect(seen('plaintext')).toBe(values.length);
    expect(seen('paillier')).toBe(0);
  });
});
