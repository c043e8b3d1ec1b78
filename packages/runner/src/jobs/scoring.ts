/**
 * The runner's side of a scoring job: the referee recomputes every score in
 * plaintext and checks the decrypted ones against the design's target; a
 * result off target, or not finite, fails the run.
 */
import { join } from 'node:path';
import { asFedError, FedError, modelFromSpec, type PartyModel, partyModelSchema, readJsonFile, type Scenario, thresholdNoise } from '@fedrisk/shared';
import type { BankBaseline } from '../baseline.ts';
import type { Prepared } from '../prepare.ts';
import { type Verification, verify } from '../referee.ts';
import { commonResult } from '../report/assemble.ts';
import type { DesignResult } from '../report/types.ts';
import type { JobRun } from '../run-job.ts';
import { extrapolate, readsOf, scoredCount, targetMaxError } from './designs.ts';

/** Every party's model as the job used it: its trained model file, or the scenario's weights. */
export function refereeModels(scenario: Scenario, run: JobRun): Map<string, PartyModel> {
  return new Map(
    scenario.parties.map((p) => {
      const modelFile = run.spec.modelFiles?.get(p.id);
      return [
        p.id,
        modelFile ? readJsonFile(modelFile, partyModelSchema, `${p.id}'s trained model`) : modelFromSpec(scenario.model[p.id] ?? { intercept: 0 }, p.id),
      ];
    }),
  );
}

async function verifyScores(scenario: Scenario, prep: Prepared, run: JobRun, baseline: BankBaseline, scored: number): Promise<Verification> {
  const recipient = scenario.job.recipient;
  const models = refereeModels(scenario, run);
  const verification = await verify({
    parties: scenario.parties.map((p) => ({
      id: p.id,
      table: () => prep.tableOf(p.id),
      model: models.get(p.id) as PartyModel,
    })),
    recipient,
    // a design run on a sample scored the first applicants only
    applicants: scored < prep.applicants.length ? prep.applicants.slice(0, scored) : prep.applicants,
    labels: prep.labels,
    scores: await prep.scoresOf(join(run.files.partyDir(recipient), 'out', 'scores.csv')),
    baseline,
    withheld: run.governance?.withheld,
  });
  const target = targetMaxError(run.spec.keys);
  const err = verification.maxAbsLogitError;
  if (!Number.isFinite(err) || err > target) {
    throw new FedError(
      'RUN_ERR_ACCURACY',
      `the decrypted scores are off: max |logit error| ${Number.isFinite(err) ? err.toExponential(2) : String(err)} against the ${run.spec.keys} design's target ${target.toExponential(0)}`,
      { details: { maxAbsLogitError: String(err), target } },
    );
  }
  return verification;
}

export async function scoringResult(scenario: Scenario, prep: Prepared, run: JobRun, baseline: BankBaseline, say: (l: string) => void): Promise<DesignResult> {
  let failure = run.failure;
  let verification: Verification | undefined;
  const scored = scoredCount(scenario, run.spec.keys, prep.applicants.length);
  if (!failure && scenario.job.alignment !== 'psi-cardinality') {
    try {
      say('  verify    referee recomputes every score in plaintext ...');
      verification = await verifyScores(scenario, prep, run, baseline, scored);
    } catch (err) {
      failure = asFedError(err, 'RUN_ERR_PROCESS', 'verification failed');
    }
  }
  const n = scenario.parties.length;
  const ck = scenario.crypto.ckks;
  const keys = run.spec.keys;
  const common = commonResult(scenario, prep, run, prep.applicants);
  const sampled = scored < prep.applicants.length && !failure;
  return {
    keys,
    ok: !failure,
    ...(failure ? { error: failure.toWire() } : {}),
    ...(verification ? { verification } : {}),
    ...common,
    reads: readsOf(common.ledger),
    ...(sampled ? { sample: extrapolate(scenario, common, scored, prep.applicants.length) } : {}),
    ...(keys === 'threshold' ? { threshold: { ...thresholdNoise(ck.polyModulusDegree, n, n, ck.scaleBits), targetMaxError: targetMaxError(keys) } } : {}),
  };
}
