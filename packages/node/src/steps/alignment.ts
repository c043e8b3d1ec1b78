/**
 * How a job's records are aligned, one party's side: named outright (query),
 * by PSI (steps/psi.ts), or by this party's own record of an earlier PSI
 * alignment in the same run. After a PSI alignment a party writes that record
 * (owner-only); a later job it agreed to align the same way reads it back
 * instead of running PSI again. Nothing new crosses the wire: each party
 * reports only that it holds the record and how many slots it has.
 */
import { type AlignmentRecord, alignmentInputDigest, alignmentRecordSchema, FedError, readJsonFile, rowsOf, writeJsonFile } from '@fedrisk/shared';
import type { Handlers } from '../handlers.ts';
import type { Session } from '../session.ts';
import { beginPsi } from './psi.ts';

/** The job starts: align by query (nothing to do), by this party's record of an earlier alignment, or by PSI. */
export async function beginAlignment(s: Session): Promise<void> {
  if (s.started.reuseAlignment && s.started.alignment !== 'psi')
    throw new FedError('JOB_ERR_ALIGNMENT_RECORD', `${s.me} keeps only PSI alignments, and this job aligns by ${s.started.alignment}`);
  if (s.started.alignment === 'query') s.aligned = true;
  else if (s.started.reuseAlignment) await reuseAlignment(s, s.started.reuseAlignment);
  else await beginPsi(s);
}

function inputDigest(s: Session): string {
  return alignmentInputDigest(s.deps.table.ids, s.isRecipient ? (s.deps.applicants ?? []) : []);
}

/** After a PSI alignment: this party's record of it, if its config keeps one (a record it cannot write only means no reuse later). */
function writeAlignmentRecord(s: Session): void {
  const file = s.config.alignmentRecord;
  const slotIds = s.psi?.aligned;
  if (!file || s.started.alignment !== 'psi' || !slotIds) return;
  const record: AlignmentRecord = {
    version: 1,
    jobId: s.started.jobId,
    party: s.me,
    recipient: s.started.recipient,
    parties: s.jobParties.map((p) => p.id),
    psiHash: s.started.psiHash,
    defences: s.config.defences,
    inputDigest: inputDigest(s),
    slotIds: [...slotIds],
    ...(s.isRecipient ? { matched: Object.fromEntries(s.matchedSlots) } : {}),
    learned: { intersection: s.idsLearned.intersection, overlap: { ...s.idsLearned.overlap } },
  };
  try {
    writeJsonFile(file, alignmentRecordSchema, record);
  } catch (err) {
    s.log.warn({ code: (err as { code?: string }).code }, 'alignment record not written: a later job will align by PSI or be refused');
  }
}

/**
 * job.start named an earlier alignment: take this party's own record of it, or refuse the job. The refusal
 * reaches every participant, so it names the mismatch but never the record's content; a record that does
 * not fit the records this party holds says only that (its log has no more: the record holds business ids).
 */
async function reuseAlignment(s: Session, reused: string): Promise<void> {
  s.steps.begin('psi');
  const file = s.config.reuseAlignmentFrom;
  const refuse = (why: string) =>
    new FedError('JOB_ERR_ALIGNMENT_RECORD', `${s.me} cannot reuse the alignment of job ${reused}: ${why}`, { details: { party: s.me, reused } });
  if (!file) throw refuse('its config names no record to reuse (reuseAlignmentFrom)');
  let record: AlignmentRecord;
  try {
    record = readJsonFile(file, alignmentRecordSchema, 'alignment record', 'JOB_ERR_ALIGNMENT_RECORD');
  } catch {
    throw refuse('its record of it is missing or unreadable');
  }
  const problems: string[] = [];
  if (record.jobId !== reused) problems.push(`the record is of job ${record.jobId}`);
  if (record.party !== s.me) problems.push(`the record is ${record.party}'s`);
  if (record.recipient !== s.started.recipient) problems.push(`its recipient was ${record.recipient}`);
  if (record.parties.join(',') !== s.jobParties.map((p) => p.id).join(',')) problems.push(`its parties were ${record.parties.join(', ')}`);
  if (record.psiHash !== s.started.psiHash) problems.push(`it was hashed with ${record.psiHash}`);
  // an alignment made without the defences (unsigned PSI) does not serve a defended job
  if (s.config.defences && !record.defences) problems.push('it was made with the defences off');
  const max = s.config.agreement?.maxApplicants;
  if (max !== undefined && record.slotIds.length > max) problems.push(`it has ${record.slotIds.length} slots, more than the ${max} applicants agreed`);
  if (record.inputDigest !== inputDigest(s) || !slotsFit(s, record)) problems.push('it does not fit the records this party holds now');
  if (problems.length) throw refuse(problems.join('; '));
  s.slotIds = record.slotIds;
  for (const [holder, slots] of Object.entries(record.matched ?? {})) s.matchedSlots.set(holder, slots);
  s.idsLearned.intersection = record.learned.intersection;
  Object.assign(s.idsLearned.overlap, record.learned.overlap);
  s.log.info({ reused, slots: record.slotIds.length }, 'alignment reused from this party’s own record');
  await s.send({ type: 'align.reused', jobId: s.started.jobId, reused, slots: record.slotIds.length });
}

/** The recipient's slots are its applicants; a holder's are its own records, each once, as many as it learned. */
function slotsFit(s: Session, record: AlignmentRecord): boolean {
  if (s.isRecipient) return record.slotIds.join('\n') === (s.deps.applicants ?? []).join('\n');
  const own = record.slotIds.filter(Boolean);
  return own.length === record.learned.intersection && new Set(own).size === own.length && rowsOf(s.deps.table, own).every((row) => row >= 0);
}

export const alignmentHandlers: Handlers = {
  'align.done': (s, msg) => {
    if (s.started.alignment === 'query' || s.aligned) throw new FedError('PROTO_ERR_UNEXPECTED', 'align.done in a job without PSI, or twice');
    const have = s.slotIds?.length ?? 0;
    if (msg.slots !== have) throw new FedError('JOB_ERR_MISMATCH', `alignment has ${msg.slots} slots; this party holds ${have}`);
    s.aligned = true;
    void s.psi?.pool.close();
    if (!s.started.reuseAlignment) writeAlignmentRecord(s);
  },
};
