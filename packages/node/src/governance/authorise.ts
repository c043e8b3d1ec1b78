/**
 * Authorisations, one party's side. The recipient sends each holder the
 * authorisations for the records it will ask that holder to contribute: under
 * psi one grant per slot the holder matched (which the holder learns anyway),
 * padded to the holder's own set size so the relay learns nothing new; under
 * query one per slot. Sealed to the holder, signed by the recipient. The
 * holder checks each grant for a record of its own against the key that
 * customer registered with it, in the background while keys are set up; a
 * record without a valid authorisation gets the neutral value, and is counted.
 */
import {
  authorisationToken,
  checkAuthorisation,
  dayOf,
  decodeGrant,
  encodeGrants,
  FedError,
  GRANT_BYTES,
  identityBoxKeys,
  identityBoxPublicKey,
  openSealed,
  readJsonFile,
  rememberRows,
  rowsOf,
  rowsOfSlots,
  sealTo,
  type VerifiedSignatures,
  verifiedSignaturesFileSchema,
  writeJsonFile,
} from '@fedrisk/shared';
import type { Handlers } from '../handlers.ts';
import type { Session } from '../session.ts';
import { checkSigned, sign } from '../signing.ts';
import type { GovernanceState } from './state.ts';

const scoring = (s: Session) => s.started.kind === 'scoring' && s.started.alignment !== 'psi-cardinality';

/** Recipient: the authorisations for every holder whose slots it now knows (after psi.reply, or once it sent its query). */
export async function sendGrants(s: Session): Promise<void> {
  const g = s.deps.governance;
  if (!g?.authorisations || !s.isRecipient || !scoring(s) || !s.slotIds) return;
  const applicants = s.slotIds;
  for (const { id: holder } of s.jobParties.filter((p) => p.id !== s.me)) {
    if (g.granted.has(holder)) continue;
    const slots = s.started.alignment === 'query' ? (s.steps.has('query') ? applicants.map((_, i) => i) : undefined) : s.matchedSlots.get(holder);
    if (!slots) continue;
    g.granted.add(holder);
    const grants = slots.map((slot) => g.authorisations?.get(applicants[slot] as string));
    const present = grants.filter((a) => a !== undefined);
    for (const a of present) g.tokens.add(authorisationToken(a));
    const parties = s.jobParties.map((p) => p.id);
    const bytes = encodeGrants(grants, parties, s.started.alignment === 'query' ? slots.length : (g.holderSize.get(holder) ?? slots.length));
    const blob = sealTo(identityBoxPublicKey(s.rosterKey(holder)), bytes);
    const purpose = g.config.purpose;
    g.asked[holder] = { applicants: applicants.length, grants: present.length };
    g.trail.append('data.ask', { holder, applicants: applicants.length, grants: present.length, purpose });
    const signature = sign(s, 'auth.grants', [holder, purpose, blob]);
    await s.send({ type: 'auth.grants', jobId: s.started.jobId, to: holder, purpose, signature }, [blob]);
  }
}

/** Holder: whether it may compute its partial logits yet (its check of the authorisations has finished). */
export async function grantsChecked(s: Session): Promise<boolean> {
  const g = s.deps.governance;
  if (!g?.businessKeys || s.isRecipient || !scoring(s)) return true;
  if (!g.checking) return false;
  await g.checking;
  return true;
}

/** The signatures this holder verified earlier in the run, if its config keeps them; a record it cannot read only means checking them all again. */
function rememberedSignatures(s: Session, g: GovernanceState): VerifiedSignatures | undefined {
  const memo = g.config.verifiedSignatures;
  if (!memo) return undefined;
  const known = new Set<string>();
  if (memo.reuse)
    try {
      const file = readJsonFile(memo.reuse, verifiedSignaturesFileSchema, 'verified signatures');
      if (file.party === s.me) for (const d of file.digests) known.add(d);
      else s.log.warn({ of: file.party }, "verified signatures are another party's: every authorisation is verified again");
    } catch (err) {
      s.log.warn({ err: (err as Error).message }, 'verified signatures not readable: every authorisation is verified again');
    }
  return { known, verified: 0, remembered: 0 };
}

async function checkGrants(s: Session, g: GovernanceState, purpose: string, bytes: Uint8Array, slots: readonly number[]): Promise<void> {
  // a fresh list: the holder's row lookup is cached per list (rowsOf), so the withheld slots must be a new one;
  // its rows are the aligned list's (looked up once, when the slots were aligned), less the withheld
  const aligned = s.slotIds as string[];
  const alignedRows = rowsOf(s.deps.table, aligned);
  const ids = aligned.slice();
  const kept = alignedRows.slice();
  const recipient = s.started.recipient;
  const parties = s.jobParties.map((p) => p.id);
  const allowed = g.config.purposes.includes(purpose);
  const memo = rememberedSignatures(s, g);
  const today = dayOf(s.deps.now());
  const rows = rowsOfSlots(s.deps.table, aligned, slots);
  let matched = 0;
  let authorised = 0;
  let present = 0;
  for (let k = 0; k < slots.length; k++) {
    // a check of thousands of signatures yields now and then: key setup goes on meanwhile
    if (k % 256 === 255) await new Promise<void>((r) => setImmediate(r));
    const slot = slots[k] as number;
    const business = ids[slot] as string;
    const grant = decodeGrant(bytes, k, { business, bank: recipient, purpose, parties });
    if (grant) present++;
    if (!business || (rows[k] as number) < 0) continue;
    matched++;
    const verdict = allowed
      ? checkAuthorisation(grant, { businessKey: g.businessKeys?.get(business), bank: recipient, purpose, holder: s.me, today, memo })
      : 'purpose';
    g.verdicts[verdict] = (g.verdicts[verdict] ?? 0) + 1;
    if (verdict === 'valid') authorised++;
    else {
      ids[slot] = ''; // no valid authorisation: this record is not used, the slot gets the neutral value
      kept[slot] = -1;
    }
  }
  rememberRows(s.deps.table, ids, kept);
  s.slotIds = ids;
  if (memo) {
    g.signatures = memo;
    const keep = g.config.verifiedSignatures?.keep;
    try {
      if (keep) writeJsonFile(keep, verifiedSignaturesFileSchema, { version: 1, party: s.me, digests: [...memo.known] });
    } catch (err) {
      s.log.warn({ code: (err as { code?: string }).code }, 'verified signatures not kept: a later job verifies them again');
    }
  }
  const answer = { applicants: ids.length, grants: present, matched, authorised, unauthorised: matched - authorised, purpose };
  g.answered[recipient] = answer;
  g.trail.append('data.answer', { recipient, ...answer, verdicts: g.verdicts });
  s.log.info({ matched, authorised, purpose, verified: memo?.verified, remembered: memo?.remembered }, 'authorisations checked');
}

export const authoriseHandlers: Handlers = {
  'auth.grants': (s, msg, blobs) => {
    const g = s.deps.governance;
    if (!g?.businessKeys || s.isRecipient || msg.from !== s.started.recipient || g.checking || !s.slotIds)
      throw new FedError('PROTO_ERR_UNEXPECTED', 'auth.grants is not expected here');
    const blob = blobs[0] as Uint8Array;
    checkSigned(s, 'auth.grants', msg.from, [s.me, msg.purpose, blob], msg.signature);
    const bytes = openSealed(identityBoxKeys(s.identityKey), blob, `${msg.from}'s authorisations`);
    const ids = s.slotIds;
    const slots = s.started.alignment === 'query' ? ids.map((_, i) => i) : ids.flatMap((id, i) => (id ? [i] : []));
    if (bytes.length % GRANT_BYTES || bytes.length / GRANT_BYTES < slots.length)
      throw new FedError('JOB_ERR_MISMATCH', `${msg.from} sent ${Math.floor(bytes.length / GRANT_BYTES)} authorisations for ${slots.length} records`);
    g.checking = checkGrants(s, g, msg.purpose, bytes, slots);
    g.checking.catch(() => {}); // awaited before the partial logits; a failure is reported there
  },
};
