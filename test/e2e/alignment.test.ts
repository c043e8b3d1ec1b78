/**
 * Private entity alignment, end to end (the participants in this process,
 * over real sockets, with real PSI and SEAL): each setting
 * teaches each party exactly what it promises, the ledger counts match the
 * true set sizes, and no party's ids (nor plain hashes of them) reach a frame
 * that the coordinator or another party received.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Report, runScenario } from '@fedrisk/runner';
import { type Alignment, createRng, loadScenario } from '@fedrisk/shared';
import { beforeAll, describe, expect, it } from 'vitest';
import { foundIn } from '../helpers/canaries.ts';
import { fileTempDir, inProcess, smallScenario } from '../helpers/fixtures.ts';

const runs = new Map<Alignment, { report: Report; runDir: string }>();

beforeAll(async () => {
  const runsDir = fileTempDir('fedrisk-align-');
  for (const alignment of ['query', 'psi', 'psi-cardinality'] as const) {
    const scenario = await smallScenario((s) => {
      s.job.alignment = alignment;
      s.job.compareWith = [];
      s.job.keys = 'single-holder';
      if (s.data.kind === 'synthetic') s.data.businesses = 2500;
      s.job.applicants = 1500;
    });
    const { report, runDir } = await runScenario({ scenario, scenarioFile: alignment, runsDir, captureFrames: true, launcher: inProcess() });
    runs.set(alignment, { report, runDir });
  }
}, 180_000);

const get = (a: Alignment) => runs.get(a) as { report: Report; runDir: string };

function ids(runDir: string, party: string): string[] {
  return readFileSync(join(runDir, 'data', `${party}.csv`), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(',')[0] as string);
}

function frames(runDir: string, who: string): Buffer[] {
  const dir = join(runDir, 'jobs', 'single-holder', 'capture');
  const prefix = who === 'coordinator' ? 'to-coordinator-' : `to-${who}-`;
  return readdirSync(dir)
    .filter((f) => f.startsWith(prefix))
    .map((f) => readFileSync(join(dir, f)));
}

describe('alignment with awkward sets', () => {
  it('a holder with no customers at all, and a bank far smaller than its holders, still align and score', async () => {
    const scenario = await smallScenario((s) => {
      s.job.alignment = 'psi';
      s.psi.hash = 'random-oracle'; // the default runs above use sha256
      s.job.compareWith = [];
      s.job.keys = 'single-holder';
      if (s.data.kind === 'synthetic') s.data.businesses = 400;
      s.job.applicants = 30;
      s.parties = [
        { id: 'bank', role: 'bank', coverage: 0.1 },
        { id: 'tax', role: 'tax', coverage: 1 },
        { id: 'guarantor', role: 'guarantor', coverage: 0.0001 },
      ];
    });
    const { report } = await runScenario({ scenario, scenarioFile: 'awkward', runsDir: fileTempDir('fedrisk-awkward-'), launcher: inProcess() });
    expect(report.ok, JSON.stringify(report.error)).toBe(true);
    expect(report.alignment.holders.guarantor?.customers).toBe(0);
    expect(report.alignment.holders.guarantor?.recipientLearned).toBe(0);
    expect(report.alignment.holders.tax?.recipientLearned).toBe(30);
    expect(report.businesses.perParty.guarantor?.gaps).toBe(30);
    expect(report.verification?.maxAbsLogitError).toBeLessThanOrEqual(1e-6);
  });
});

describe('simulated network', () => {
  it('a 100 ms link delays every sequential hop: the job cannot finish sooner than its chain of messages allows', async () => {
    const scenario = await smallScenario((s) => {
      s.job.alignment = 'query';
      s.job.compareWith = [];
      s.job.keys = 'single-holder';
      if (s.data.kind === 'synthetic') s.data.businesses = 400;
      s.job.applicants = 50;
      s.network = { latencyMs: 100 };
    });
    const { report } = await runScenario({ scenario, scenarioFile: 'wan', runsDir: fileTempDir('fedrisk-wan-'), launcher: inProcess() });
    expect(report.ok, JSON.stringify(report.error)).toBe(true);
    expect(report.scenario.network.latencyMs).toBe(100);
    // after everyone joined: job.start, keys.public in and out, query in and out, partial in, sum out, result.done in:
    // at least 8 one-way hops of 100 ms each, one after the other
    const afterJoin = report.phases.filter((p) => p.name !== 'join').reduce((t, p) => t + p.ms, 0);
    expect(afterJoin).toBeGreaterThanOrEqual(800);
  });
});

describe('entity alignment settings', () => {
  it('all three runs succeed', () => {
    for (const [a, r] of runs) expect(r.report.ok, `${a}: ${JSON.stringify(r.report.error)}`).toBe(true);
  });

  it('query: every holder receives every applicant id, including ones it never served', () => {
    const { report } = get('query');
    for (const [id, h] of Object.entries(report.alignment.holders)) {
      expect(h.holderLearnedIntersection, id).toBe(h.trueIntersection);
      expect(h.holderLearnedOthersApplicants, id).toBe(1500 - h.trueIntersection);
      expect(report.ledger[id]?.received.businessIds).toBe(1500);
    }
  });

  it('psi: the bank and each holder learn exactly the intersection, and nothing about other applicants', () => {
    const { report } = get('psi');
    expect(report.verification?.maxAbsLogitError).toBeLessThanOrEqual(1e-6);
    expect(report.verification?.auc).toBeCloseTo(get('query').report.verification?.auc ?? 0, 9);
    for (const [id, h] of Object.entries(report.alignment.holders)) {
      expect(h.trueIntersection, id).toBeGreaterThan(0);
      expect(h.recipientLearned, id).toBe(h.trueIntersection);
      expect(h.holderLearnedIntersection, id).toBe(h.trueIntersection);
      expect(h.holderLearnedOthersApplicants, id).toBe(0);
      expect(report.ledger[id]?.received.businessIds).toBe(0);
      expect(report.ledger[id]?.received.alignmentSlots).toBe(h.trueIntersection);
      // from counts actually received: the recipient's blinded applicants, nothing else about them
      expect(report.ledger[id]?.received.blindedIds).toBe(1500);
    }
    expect(report.ledger.coordinator?.received.businessIds).toBe(0);
  });

  it('psi-cardinality: only the overlap sizes are learned, and nothing is scored', () => {
    const { report } = get('psi-cardinality');
    expect(report.verification).toBeUndefined();
    expect(report.phases.map((p) => p.name)).toEqual(['join', 'align']);
    for (const [id, h] of Object.entries(report.alignment.holders)) {
      expect(h.recipientLearned, id).toBe(h.trueIntersection);
      expect(h.holderLearnedIntersection, id).toBe(0);
      expect(report.ledger[id]?.received.alignmentSlots).toBe(0);
      expect(report.ledger[id]?.received.ciphertexts).toBe(0);
    }
    expect(report.ledger.bank?.idsLearned?.intersection).toBe(0);
  });

  it('no id of any party, nor a plain hash of it, appears in a frame the coordinator or another party received (psi)', () => {
    for (const mode of ['psi', 'psi-cardinality'] as const) {
      const { runDir, report } = get(mode);
      const parties = report.scenario.parties.map((p) => p.id);
      for (const owner of parties) {
        const rng = createRng(owner.length);
        const own = ids(runDir, owner);
        const canaries = Array.from({ length: 40 }, () => own[Math.floor(rng.next() * own.length)] as string).flatMap((id) => [
          Buffer.from(id),
          createHash('sha256').update(id).digest(),
          createHash('sha512').update(id).digest().subarray(0, 32),
          Buffer.from(createHash('sha256').update(id).digest('hex')),
        ]);
        for (const who of ['coordinator', ...parties.filter((p) => p !== owner)]) {
          const received = frames(runDir, who);
          expect(received.length, `${mode}: frames to ${who}`).toBeGreaterThan(0);
          expect(foundIn(received, canaries).length, `${mode}: an id of ${owner} reached ${who}`).toBe(0);
        }
      }
    }
    // the check can fail: under query the applicant ids do reach the holders
    const { runDir } = get('query');
    const applicant = readFileSync(join(runDir, 'jobs', 'single-holder', 'parties', 'bank', 'applicants.txt'), 'utf8').split('\n')[0] as string;
    expect(foundIn(frames(runDir, 'tax'), [Buffer.from(applicant)]).length).toBe(1);
  });
});

describe('more parties', () => {
  it('five parties (two guarantors, two tax bureaus) score together; threshold decryption needs all five', async () => {
    const scenario = await loadScenario(new URL('../../scenarios/five-parties.yaml', import.meta.url).pathname);
    scenario.job.compareWith = [];
    if (scenario.data.kind === 'synthetic') scenario.data.businesses = 2000;
    scenario.job.applicants = 600;
    const { report } = await runScenario({ scenario, scenarioFile: 'five', runsDir: fileTempDir('fedrisk-five-'), launcher: inProcess() });
    expect(report.ok, JSON.stringify(report.error)).toBe(true);
    expect(report.verification?.maxAbsLogitError).toBeLessThanOrEqual(1e-4);
    expect(report.ledger.coordinator?.received.publicKeyShares).toBe(5);
    expect(report.ledger.bank?.received.sealedDecryptionShares).toBe(4 * report.crypto.ciphertextsPerParty);
    expect(Object.keys(report.alignment.holders).sort()).toEqual(['guarantor', 'guarantor2', 'tax', 'tax2']);
    for (const h of Object.values(report.alignment.holders)) expect(h.holderLearnedIntersection).toBe(h.trueIntersection);
  });
});
