/** Every job kind the coordinator can run, and the scoring designs that are jobs of their own: one line each. */
import type { CoordinatorConfig, JobKind, KeysDesign } from '@fedrisk/shared';
import type { JobFactory } from '../job.ts';
import { createPaillierJob } from './paillier.ts';
import { createPlaintextJob } from './plaintext.ts';
import { createScoringJob } from './scoring.ts';
import { createTrainingJob } from './training.ts';

export const JOBS: Record<JobKind, JobFactory> = {
  scoring: createScoringJob,
  training: createTrainingJob,
};

/** Scoring designs with a job of their own (the CKKS designs, threshold and single-holder, are the scoring job's). */
export const DESIGN_JOBS: Partial<Record<KeysDesign, JobFactory>> = {
  plaintext: createPlaintextJob,
  paillier: createPaillierJob,
};

/** The job a config asks for. */
export function jobFor(config: Pick<CoordinatorConfig, 'kind' | 'keys'>): JobFactory {
  return (config.kind === 'scoring' ? DESIGN_JOBS[config.keys] : undefined) ?? JOBS[config.kind];
}
