/**
 * Private set intersection, one party's side (crypto/psi.ts has the maths).
 * The recipient blinds its applicants and sends them to each holder; a holder
 * blinds them again and returns them with its own blinded customers; the
 * recipient matches and tells each holder which of its customers sit in
 * which slot. PSI messages are signed with the identity key, so a
 * coordinator cannot stand in for the bank (or a holder) and run PSI itself.
 */
import {
  createPsiKey,
  createPsiPool,
  FedError,
  identityBoxKeys,
  identityBoxPublicKey,
  openSealed,
  pointKeys,
  sealTo,
  securePermutation,
} from '@fedrisk/shared';
import type { Handlers } from '../handlers.ts';
import type { Session } from '../session.ts';
import { checkSigned, sign } from '../signing.ts';
import type { PsiState } from '../state.ts';
import { learnMembership, probedApplicants } from './attacks.ts';

const domainOf = (jobId: string) => `fedrisk/psi/v1/${jobId}`;

/** Starts alignment: the recipient sends its blinded applicants; a holder blinds its own set while it waits. */
export async function beginPsi(s: Session): Promise<void> {
  s.steps.begin('psi');
  const { jobId } = s.started;
  const state: PsiState = { pool: createPsiPool(2), key: createPsiKey(), slots: 0, replied: new Set() };
  s.psi = state;
  if (s.isRecipient) {
    const own = s.deps.applicants;
    if (!own) throw new FedError('DATA_ERR_APPLICANTS', `${s.me} is the result recipient but was given no applicant list`);
    const applicants = probedApplicants(s, own);
    s.slotIds = applicants;
    state.aligned = applicants;
    const blinded = await s.timed('psi', async () => state.pool.blind(await state.pool.hash(applicants, domainOf(jobId), s.started.psiHash), state.key));
    s.log.info({ applicants: applicants.length }, 'applicants blinded for PSI');
    s.progress('psi:blind', applicants.length, applicants.length);
    const holders = s.jobParties.filter((p) => p.id !== s.me);
    for (const h of holders) {
      const signature = sign(s, 'psi.blinded', [h.id, String(applicants.length), blinded]);
      await s.send({ type: 'psi.blinded', jobId, to: h.id, points: applicants.length, signature }, [blinded]);
    }
    if (!holders.length) await s.send({ type: 'psi.done', jobId, slots: applicants.length });
    return;
  }
  // a holder: its customers in a random order, so positions say nothing about its file
  const rows = s.deps.table.ids;
  const order = securePermutation(rows.length);
  state.ownOrder = order;
  state.ownBlinded = s.timed('psi', async () => {
    const out = await state.pool.blind(
      await state.pool.hash(
        Array.from(order, (i) => rows[i] as string),
        domainOf(jobId),
        s.started.psiHash,
      ),
      state.key,
    );
    s.progress('psi:blind', order.length, order.length);
    return out;
  });
  state.ownBlinded.catch(() => {}); // awaited when the recipient's points arrive; a failure is reported there
}

export const psiHandlers: Handlers = {
  /** holder: re-blind the recipient's points, and send them back with this party's own blinded set */
  'psi.blinded': async (s, msg, blobs) => {
    const state = s.psi;
    if (!state?.ownBlinded || msg.from !== s.started.recipient || s.steps.has('psi:reply'))
      throw new FedError('PROTO_ERR_UNEXPECTED', 'psi.blinded outside a PSI job');
    checkSigned(s, 'psi.blinded', msg.from, [s.me, String(msg.points), blobs[0] as Uint8Array], msg.signature);
    // the recipient may ask about as many businesses as it agreed to, not every id it can guess
    const max = s.config.agreement?.maxApplicants;
    if (s.config.defences && max !== undefined && msg.points > max)
      throw new FedError('CRYPTO_ERR_PSI', `${msg.from} sent ${msg.points} blinded ids; ${s.me} agreed to answer for at most ${max} applicants`, {
        details: { from: msg.from, points: msg.points, max },
      });
    s.steps.begin('psi:reply');
    state.slots = msg.points;
    let again = await s.timed('psi', () => state.pool.blind(blobs[0] as Uint8Array, state.key));
    if (s.started.alignment === 'psi-cardinality') {
      // shuffled: the recipient can count matches but not tell which of its applicants matched
      const perm = securePermutation(msg.points);
      const shuffled = Buffer.alloc(again.length);
      for (let i = 0; i < perm.length; i++) again.copy(shuffled, i * 32, (perm[i] as number) * 32, (perm[i] as number) * 32 + 32);
      again = shuffled;
    }
    s.progress('psi:reblind', msg.points, msg.points);
    const own = await state.ownBlinded;
    const ownPoints = own.length / 32;
    const signature = sign(s, 'psi.reply', [msg.from, String(msg.points), again, own]);
    await s.send({ type: 'psi.reply', jobId: msg.jobId, to: msg.from, points: msg.points, ownPoints, signature }, [again, own]);
    s.log.info({ applicants: msg.points, own: ownPoints }, 'PSI reply sent');
  },

  /** recipient: find the intersection with one holder and tell it which of its customers sit in which slot */
  'psi.reply': async (s, msg, blobs) => {
    const state = s.psi;
    const known = s.jobParties.some((p) => p.id === msg.from && p.id !== s.me);
    if (!s.isRecipient || !state || !known || state.replied.has(msg.from)) throw new FedError('PROTO_ERR_UNEXPECTED', `unexpected psi.reply from ${msg.from}`);
    const applicants = s.slotIds as string[];
    if (msg.points !== applicants.length)
      throw new FedError('CRYPTO_ERR_PSI', `${msg.from} answered for ${msg.points} applicants; there are ${applicants.length}`);
    checkSigned(s, 'psi.reply', msg.from, [s.me, String(msg.points), blobs[0] as Uint8Array, blobs[1] as Uint8Array], msg.signature);
    state.replied.add(msg.from);
    const holderSet = await s.timed('psi', async () => pointKeys(await state.pool.blind(blobs[1] as Uint8Array, state.key)));
    const position = new Map(holderSet.map((k, j) => [k, j]));
    const pairs: number[] = [];
    pointKeys(blobs[0] as Uint8Array).forEach((k, slot) => {
      const j = position.get(k);
      if (j !== undefined) pairs.push(j, slot);
    });
    const overlap = pairs.length / 2;
    s.idsLearned.overlap[msg.from] = overlap;
    if (s.started.alignment === 'psi') s.idsLearned.intersection += overlap;
    s.log.info({ holder: msg.from, overlap }, 'PSI intersection found');
    s.progress('psi:match', holderSet.length, holderSet.length);
    const matchedSlots = pairs.filter((_, i) => i % 2 === 1);
    s.matchedSlots.set(msg.from, matchedSlots);
    learnMembership(s, msg.from, matchedSlots);
    if (s.started.alignment === 'psi') {
      // padded to the holder's own set size and sealed to it: the relay learns neither how many matched nor which
      const padded = new Uint32Array(2 * holderSet.length + 1);
      padded[0] = overlap;
      padded.set(pairs, 1);
      const blob = sealTo(identityBoxPublicKey(s.rosterKey(msg.from)), new Uint8Array(padded.buffer));
      await s.send({ type: 'psi.assign', jobId: msg.jobId, to: msg.from, signature: sign(s, 'psi.assign', [msg.from, blob]) }, [blob]);
    }
    if (state.replied.size === s.jobParties.length - 1) await s.send({ type: 'psi.done', jobId: msg.jobId, slots: applicants.length });
  },

  /** holder: place its customers that are applicants in their slots; every other slot stays neutral */
  'psi.assign': (s, msg, blobs) => {
    const state = s.psi;
    if (!state?.ownOrder || msg.from !== s.started.recipient || s.steps.has('psi:assign'))
      throw new FedError('PROTO_ERR_UNEXPECTED', 'psi.assign outside a PSI job');
    checkSigned(s, 'psi.assign', msg.from, [s.me, blobs[0] as Uint8Array], msg.signature);
    s.steps.begin('psi:assign');
    const opened = openSealed(identityBoxKeys(s.identityKey), blobs[0] as Uint8Array, `${msg.from}'s slot assignments`);
    const padded = new Uint32Array(opened.slice().buffer);
    const count = padded[0] as number;
    if (padded.length !== 2 * state.ownOrder.length + 1 || count > state.ownOrder.length)
      throw new FedError('CRYPTO_ERR_PSI', `${msg.from}'s slot assignments do not fit this party's ${state.ownOrder.length} customers`);
    const pairs = padded.subarray(1, 1 + 2 * count);
    s.deps.ledger.add('alignmentSlots', count);
    const ids = new Array<string>(state.slots).fill('');
    const own = s.deps.table.ids;
    for (let k = 0; k < pairs.length; k += 2) {
      const j = pairs[k] as number;
      const slot = pairs[k + 1] as number;
      if (j >= state.ownOrder.length || slot >= state.slots) throw new FedError('CRYPTO_ERR_PSI', `slot assignment ${k / 2} is out of range`);
      ids[slot] = own[state.ownOrder[j] as number] as string;
    }
    s.slotIds = ids;
    state.aligned = ids;
    s.idsLearned.intersection = pairs.length / 2;
    s.log.info({ slots: state.slots, mine: pairs.length / 2 }, 'aligned by PSI');
  },
};
