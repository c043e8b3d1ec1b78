/** Every job kind a node can take part in: one line each. */
import type { JobKind } from '@fedrisk/shared';
import type { NodeJob } from './job.ts';
import { scoringJob } from './scoring.ts';
import { trainingJob } from './training.ts';

export const NODE_JOBS: Record<JobKind, NodeJob> = {
  scoring: scoringJob,
  training: trainingJob,
};
