/** Every job kind the coordinator can run: one line each. */
import type { JobKind } from '@fedrisk/shared';
import type { JobFactory } from '../job.ts';
import { createScoringJob } from './scoring.ts';
import { createTrainingJob } from './training.ts';

export const JOBS: Record<JobKind, JobFactory> = {
  scoring: createScoringJob,
  training: createTrainingJob,
};
