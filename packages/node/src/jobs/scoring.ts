/**
 * Joint scoring on a node: align (PSI, unless the job names applicants
 * outright), set up keys (threshold: commit, then reveal), then (query
 * alignment) the recipient names its applicants; once it knows the key and
 * its slots, each party encrypts its partial logits (threshold: commit, then
 * reveal). The recipient decrypts: alone (single holder, scores.sum)
 * or with every party's share (threshold, steps/threshold-decrypt).
 */
import { grantsChecked, sendGrants } from '../governance/authorise.ts';
import type { Session } from '../session.ts';
import { beginAlignment } from '../steps/alignment.ts';
import { beginKeys, revealKeyShareIfReady } from '../steps/keys.ts';
import { sendQuery } from '../steps/query.ts';
import { sendPartial } from '../steps/scoring.ts';
import { revealInputIfReady } from '../steps/threshold-decrypt.ts';
import type { NodeJob } from './job.ts';

export const scoringJob: NodeJob = {
  start: async (s) => {
    s.log.info({ jobId: s.started.jobId, keys: s.started.keys, alignment: s.started.alignment, slots: s.ctx.slots }, 'job started');
    await beginAlignment(s);
  },
  advance: async (s: Session) => {
    await sendGrants(s);
    if (!s.aligned) return;
    if (!s.steps.has('keys')) await beginKeys(s, { rotations: false });
    // threshold: each share, then each input, is revealed only once every party has committed to it
    await revealKeyShareIfReady(s);
    if (!s.publicKey) return;
    if (s.started.alignment === 'query' && s.isRecipient && !s.steps.has('query')) await sendQuery(s);
    await sendGrants(s);
    if (s.slotIds && !s.steps.has('partial') && (await grantsChecked(s))) await sendPartial(s);
    await revealInputIfReady(s);
  },
};
