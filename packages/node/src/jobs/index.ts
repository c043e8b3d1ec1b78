/** Every job kind a node can take part in, and the scoring designs that are jobs of their own: one line each. */
import type { JobKind, JobStart, KeysDesign } from '@fedrisk/shared';
import type { NodeJob } from './job.ts';
import { paillierJob } from './paillier.ts';
import { plaintextJob } from './plaintext.ts';
import { scoringJob } from './scoring.ts';
import { trainingJob } from './training.ts';

export const NODE_JOBS: Record<JobKind, NodeJob> = {
  scoring: scoringJob,
  training: trainingJob,
};

/** Scoring designs with a job of their own (threshold and single-holder are the scoring job's). */
export const NODE_DESIGN_JOBS: Partial<Record<KeysDesign, NodeJob>> = {
  plaintext: plaintextJob,
  paillier: paillierJob,
};

export function nodeJobFor(start: Pick<JobStart, 'kind' | 'keys'>): NodeJob {
  return (start.kind === 'scoring' ? NODE_DESIGN_JOBS[start.keys] : undefined) ?? NODE_JOBS[start.kind];
}
