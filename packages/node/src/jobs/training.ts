/**
 * Joint training on a node: align the training rows (PSI, unless the job
 * names them outright), then the label holder makes the keys and starts
 * training; a holder starts once it has the keys and its rows.
 */
import type { Session } from '../session.ts';
import { beginKeys } from '../steps/keys.ts';
import { beginPsi } from '../steps/psi.ts';
import { beginHolderIfReady, beginLabelHolder } from '../steps/training.ts';
import type { NodeJob } from './job.ts';

export const trainingJob: NodeJob = {
  start: async (s) => {
    s.log.info({ jobId: s.started.jobId, alignment: s.started.alignment }, 'training job started');
    if (s.started.alignment === 'query') s.aligned = true;
    else await beginPsi(s);
  },
  advance: async (s: Session) => {
    if (!s.aligned) return;
    if (!s.steps.has('keys')) await beginKeys(s, { rotations: true });
    if (s.isRecipient) {
      if (!s.steps.has('trainer')) await beginLabelHolder(s);
    } else await beginHolderIfReady(s);
  },
};
