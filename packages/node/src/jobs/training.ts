/**
 * Joint training on a node: align the training rows (PSI, unless the job
 * names them outright), then the keys: the label holder's (single holder), or
 * every party's committed shares, revealed once all have committed
 * (threshold); the label holder starts training, a holder once it has the
 * keys and its rows.
 */
import type { Session } from '../session.ts';
import { beginAlignment } from '../steps/alignment.ts';
import { beginKeys, revealKeyShareIfReady } from '../steps/keys.ts';
import { beginHolderIfReady, beginLabelHolder } from '../steps/training.ts';
import type { NodeJob } from './job.ts';

export const trainingJob: NodeJob = {
  start: async (s) => {
    s.log.info({ jobId: s.started.jobId, alignment: s.started.alignment }, 'training job started');
    await beginAlignment(s);
  },
  advance: async (s: Session) => {
    if (!s.aligned) return;
    if (!s.steps.has('keys')) await beginKeys(s, { rotations: true });
    await revealKeyShareIfReady(s);
    if (s.isRecipient) {
      if (!s.steps.has('trainer')) await beginLabelHolder(s);
    } else await beginHolderIfReady(s);
  },
};
