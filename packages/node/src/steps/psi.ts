/**
 * Private set intersection, one party's side (crypto/psi.ts has the maths).
 * The recipient blinds its applicants and sends them to each holder; a holder
 * blinds them again and returns them with its own blinded customers; the
 * recipient matches and tells each holder which of its customers sit in
 * which slot. PSI messages are signed with the identity key, so a
 * coordinator cannot stand in for the bank (or a holder) and run PSI itself.
 */
import { createPsiKey, createPsiPool, FedError, pointKeys, securePermutation, signFields, verifyFields } from '@fedrisk/shared';
import type { Handlers } from '../handlers.ts';
import type { Session } from '../session.ts';
import type { PsiState } from '../state.ts';

const domainOf = (jobId: string) => `fedrisk/psi/v1/${jobId}`;

function sign(s: Session, type: string, to: string, count: number, blobs: readonly Uint8Array[]): { signature?: string } {
  const key = s.config.identityKey;
  return key ? { signature: signFields(key, [type, s.started.jobId, s.me, to, String(count), ...blobs]) } : {};
}

function checkSignature(s: Session, type: string, from: string, count: number, blobs: readonly Uint8Array[], signature: string | undefined): void {
  if (!s.config.roster) return;
  if (!signature || !verifyFields(s.rosterKey(from), [type, s.started.jobId, from, s.me, String(count), ...blobs], signature)) {
    throw new FedError('CRYPTO_ERR_SIGNATURE', `the ${type} said to come from ${from} is not signed by ${from}`);
  }
}

/** Starts alignment: the recipient sends its blinded applicants; a holder blinds its own set while it waits. */
export async function beginPsi(s: Session): Promise<void> {
  s.steps.begin('psi');
  const { jobId } = s.started;
  const state: PsiState = { pool: createPsiPool(2), key: createPsiKey(), slots: 0, replied: new Set() };
  s.psi = state;
  if (s.isRecipient) {
    const applicants = s.deps.applicants;
    if (!applicants) throw new FedError('DATA_ERR_APPLICANTS', `${s.me} is the result recipient but was given no applicant list`);
    s.slotIds = applicants;
    const blinded = await s.timed('psi', async () => state.pool.blind(await state.pool.hash(applicants, domainOf(jobId), s.started.psiHash), state.key));
    s.log.info({ applicants: applicants.length }, 'applicants blinded for PSI');
    s.progress('psi:blind', applicants.length, applicants.length);
    const holders = s.jobParties.filter((p) => p.id !== s.me);
    for (const h of holders) {
      await s.send({ type: 'psi.blinded', jobId, to: h.id, points: applicants.length, ...sign(s, 'psi.blinded', h.id, applicants.length, [blinded]) }, [
        blinded,
      ]);
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
    checkSignature(s, 'psi.blinded', msg.from, msg.points, blobs, msg.signature);
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
    await s.send(
      { type: 'psi.reply', jobId: msg.jobId, to: msg.from, points: msg.points, ownPoints, ...sign(s, 'psi.reply', msg.from, msg.points, [again, own]) },
      [again, own],
    );
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
    checkSignature(s, 'psi.reply', msg.from, msg.points, blobs, msg.signature);
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
    if (s.started.alignment === 'psi') {
      const blob = new Uint8Array(Uint32Array.from(pairs).buffer);
      await s.send({ type: 'psi.assign', jobId: msg.jobId, to: msg.from, pairs: overlap, ...sign(s, 'psi.assign', msg.from, overlap, [blob]) }, [blob]);
    }
    if (state.replied.size === s.jobParties.length - 1) await s.send({ type: 'psi.done', jobId: msg.jobId, slots: applicants.length });
  },

  /** holder: place its customers that are applicants in their slots; every other slot stays neutral */
  'psi.assign': (s, msg, blobs) => {
    const state = s.psi;
    if (!state?.ownOrder || msg.from !== s.started.recipient || s.steps.has('psi:assign'))
      throw new FedError('PROTO_ERR_UNEXPECTED', 'psi.assign outside a PSI job');
    checkSignature(s, 'psi.assign', msg.from, msg.pairs, blobs, msg.signature);
    s.steps.begin('psi:assign');
    const pairs = new Uint32Array((blobs[0] as Uint8Array).slice().buffer);
    const ids = new Array<string>(state.slots).fill('');
    const own = s.deps.table.ids;
    for (let k = 0; k < pairs.length; k += 2) {
      const j = pairs[k] as number;
      const slot = pairs[k + 1] as number;
      if (j >= state.ownOrder.length || slot >= state.slots) throw new FedError('CRYPTO_ERR_PSI', `slot assignment ${k / 2} is out of range`);
      ids[slot] = own[state.ownOrder[j] as number] as string;
    }
    s.slotIds = ids;
    s.idsLearned.intersection = pairs.length / 2;
    s.log.info({ slots: state.slots, mine: pairs.length / 2 }, 'aligned by PSI');
  },

  'align.done': (s, msg) => {
    if (s.started.alignment === 'query' || s.aligned) throw new FedError('PROTO_ERR_UNEXPECTED', 'align.done in a job without PSI, or twice');
    const have = s.slotIds?.length ?? 0;
    if (msg.slots !== have) throw new FedError('JOB_ERR_MISMATCH', `alignment has ${msg.slots} slots; this party holds ${have}`);
    s.aligned = true;
    void s.psi?.pool.close();
  },
};
