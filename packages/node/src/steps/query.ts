/**
 * Query alignment, one party's side: the recipient names its applicants in
 * the clear and every holder receives them all (including those it never
 * served, which the ledger counts). The private alternative is steps/psi.ts.
 */
import { decodeIdList, encodeIdList, FedError, firstRepeat, rowsOf } from '@fedrisk/shared';
import type { Handlers } from '../handlers.ts';
import type { Session } from '../session.ts';

/** The recipient: its applicants, in its order, to every holder. */
export async function sendQuery(s: Session): Promise<void> {
  s.steps.begin('query');
  const applicants = s.deps.applicants;
  if (!applicants) throw new FedError('DATA_ERR_APPLICANTS', `${s.me} is the result recipient but was given no applicant list`);
  s.slotIds = applicants;
  await s.send({ type: 'query.ids', jobId: s.started.jobId, count: applicants.length }, [encodeIdList(applicants)]);
  s.log.info({ applicants: applicants.length }, 'query sent');
}

/** What a holder learns from the applicant list: which of its own customers applied, and how many others did. */
function learnIds(s: Session, ids: readonly string[]): void {
  const mine = rowsOf(s.deps.table, ids).filter((row) => row >= 0).length;
  s.idsLearned.intersection += mine;
  s.idsLearned.othersApplicants += ids.length - mine;
}

export const queryHandlers: Handlers = {
  /** a holder, under query alignment: the applicants, in the recipient's order */
  'query.ids': (s, msg, blobs) => {
    if (s.started.alignment !== 'query' || s.isRecipient || s.slotIds) throw new FedError('PROTO_ERR_UNEXPECTED', 'query.ids is not expected');
    const ids = decodeIdList(blobs[0] as Uint8Array, msg.count, `the applicant list from ${msg.from}`);
    // each business once: a repeated id would be counted twice in what this party reports it learned
    const again = firstRepeat(ids);
    if (again) {
      // refused, the list was still read in the clear: what was learned counts each business once
      learnIds(s, [...new Set(ids)]);
      throw new FedError(
        'PROTO_ERR_INVALID',
        `the applicant list from ${msg.from}: entry ${again.at + 1} repeats entry ${again.first + 1}; each business is listed once`,
      );
    }
    learnIds(s, ids);
    s.slotIds = ids;
    s.log.info({ from: msg.from, applicants: ids.length }, 'query received');
  },
};
