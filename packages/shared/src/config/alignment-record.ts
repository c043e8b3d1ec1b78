/**
 * A party's own record of a PSI alignment (owner-only, in its own folder): what
 * it learned in that job, so a later job of the same run can use the same
 * slots instead of running PSI again. Written and read by the same party, in
 * two processes; the digest ties it to the records the party holds.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { jobIdSchema, partyIdSchema, psiHashSchema } from '../wire/ids.ts';

export const alignmentRecordSchema = z
  .object({
    version: z.literal(1),
    jobId: jobIdSchema,
    party: partyIdSchema,
    recipient: partyIdSchema,
    /** the parties of that job, in job order */
    parties: z.array(partyIdSchema).min(1),
    psiHash: psiHashSchema,
    /** the job ran with the defences on (signed PSI); a defended job reuses only such a record */
    defences: z.boolean(),
    /** SHA-256 of the ids this party held then (and, the recipient, its applicants): the same inputs, or no reuse */
    inputDigest: z.string().regex(/^[0-9a-f]{64}$/),
    /** the record id at each slot as this party knows it ('' where it has no record) */
    slotIds: z.array(z.string().max(256)),
    /** recipient only: per holder, the slots that matched */
    matched: z.record(partyIdSchema, z.array(z.number().int().min(0))).optional(),
    /** business ids this party learned by that alignment */
    learned: z.object({ intersection: z.number().int().min(0), overlap: z.record(z.string(), z.number().int().min(0)) }).strict(),
  })
  .strict()
  .superRefine((r, ctx) => {
    for (const [holder, slots] of Object.entries(r.matched ?? {}))
      if (slots.some((slot) => slot >= r.slotIds.length)) ctx.addIssue({ code: 'custom', path: ['matched', holder], message: 'a slot beyond the alignment' });
  });
export type AlignmentRecord = z.infer<typeof alignmentRecordSchema>;

/** The digest of a party's inputs to an alignment: its own ids, then (recipient) its applicants. */
export function alignmentInputDigest(ownIds: readonly string[], applicants: readonly string[] = []): string {
  const h = createHash('sha256');
  for (const list of [ownIds, applicants]) {
    h.update(`${list.length}\n`);
    for (const id of list) h.update(`${id}\n`);
  }
  return h.digest('hex');
}
