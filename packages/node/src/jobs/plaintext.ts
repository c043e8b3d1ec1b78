/**
 * Design "plaintext" on a node: align as the scoring job does (PSI, or the
 * recipient's list), then send this party's partial logits in the clear; the
 * recipient turns the sum into scores. No key, no encryption: the cost floor.
 */
import { FedError, partialLogitsFor } from '@fedrisk/shared';
import { grantsChecked, sendGrants } from '../governance/authorise.ts';
import type { Handlers } from '../handlers.ts';
import type { Session } from '../session.ts';
import { beginAlignment } from '../steps/alignment.ts';
import { sendQuery } from '../steps/query.ts';
import { finishScores } from '../steps/scoring.ts';
import type { NodeJob } from './job.ts';

async function sendPlain(s: Session): Promise<void> {
  s.steps.begin('partial');
  const ids = s.slotIds as string[];
  const partial = await s.timed('partial', () => partialLogitsFor(s.deps.table, s.deps.model, ids));
  s.gaps = partial.gaps;
  const values = Float64Array.from(partial.values);
  s.deps.faultPoint('before-partial');
  await s.send({ type: 'plain.partial', jobId: s.started.jobId, slots: ids.length }, [new Uint8Array(values.buffer)]);
  s.log.info({ slots: ids.length, gaps: s.gaps }, 'partial scores sent in the clear');
}

export const plaintextJob: NodeJob = {
  start: async (s) => {
    s.log.info({ jobId: s.started.jobId, keys: 'plaintext', alignment: s.started.alignment }, 'job started');
    await beginAlignment(s);
  },
  advance: async (s) => {
    // governance as under CKKS: a holder sends partials only once it has checked the recipient's authorisations
    await sendGrants(s);
    if (!s.aligned) return;
    if (s.started.alignment === 'query' && s.isRecipient && !s.steps.has('query')) await sendQuery(s);
    await sendGrants(s);
    if (s.slotIds && !s.steps.has('partial') && (await grantsChecked(s))) await sendPlain(s);
  },
};

export const plaintextHandlers: Handlers = {
  /** the recipient: the joint logits, added up by the coordinator */
  'plain.sum': async (s, msg, [blob]) => {
    const ids = s.slotIds;
    if (s.started.keys !== 'plaintext' || !s.isRecipient || !ids)
      throw new FedError('PROTO_ERR_UNEXPECTED', 'plain.sum sent to a party that is not the recipient');
    if (msg.slots !== ids.length) throw new FedError('JOB_ERR_MISMATCH', `the sum holds ${msg.slots} scores, the job has ${ids.length} slots`);
    await finishScores(s, new Float64Array(new Uint8Array(blob as Uint8Array).buffer));
  },
};
