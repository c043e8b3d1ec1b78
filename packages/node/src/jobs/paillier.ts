/**
 * Design "paillier" on a node: align as the scoring job does; the recipient
 * makes a Paillier key pair (while the records are aligned) and publishes the
 * public key, signed; every party encrypts its partial logit for each sampled
 * slot, one ciphertext per value, and sends them signed; the recipient
 * decrypts the sums the coordinator formed and turns them into scores.
 */
import { DEFAULT_PAILLIER, FedError, paillierEncrypt, paillierKeyPair, paillierPublicKey, partialLogitsFor } from '@fedrisk/shared';
import { grantsChecked, sendGrants } from '../governance/authorise.ts';
import type { Handlers } from '../handlers.ts';
import type { Session } from '../session.ts';
import { checkSigned, sign } from '../signing.ts';
import { beginAlignment } from '../steps/alignment.ts';
import { sendQuery } from '../steps/query.ts';
import { finishScores } from '../steps/scoring.ts';
import type { NodeJob } from './job.ts';

const paramsOf = (s: Session) => s.started.paillier ?? DEFAULT_PAILLIER;
/** Slots encrypted: the first `sample`, or all if there are fewer. */
const sampled = (s: Session) => Math.min((s.slotIds as string[]).length, paramsOf(s).sample);

async function publishKey(s: Session): Promise<void> {
  s.steps.begin('paillier-key');
  const state = s.paillier as NonNullable<Session['paillier']>;
  const pair = await s.timed('keygen', () => state.keyPair as NonNullable<typeof state.keyPair>);
  state.publicKey = pair.publicKey;
  const keyBits = paramsOf(s).keyBits;
  const signature = sign(s, 'paillier.public', [String(keyBits), pair.publicKey]);
  await s.send({ type: 'paillier.public', jobId: s.started.jobId, keyBits, signature }, [pair.publicKey]);
  s.log.info({ keyBits }, 'Paillier public key sent');
}

async function sendCiphertexts(s: Session): Promise<void> {
  s.steps.begin('partial');
  const ids = s.slotIds as string[];
  const { keyBits } = paramsOf(s);
  const partial = await s.timed('partial', () => partialLogitsFor(s.deps.table, s.deps.model, ids));
  s.gaps = partial.gaps;
  const n = sampled(s);
  const pk = paillierPublicKey(s.paillier?.publicKey as Uint8Array, keyBits);
  s.deps.faultPoint('before-partial');
  const blob = await s.timed('encrypt', () =>
    paillierEncrypt(pk, partial.values.slice(0, n), keyBits, { signal: s.deps.signal, onProgress: (d, t) => s.progress('encrypt', d, t) }),
  );
  const signature = sign(s, 'paillier.partial', [String(n), blob]);
  await s.send({ type: 'paillier.partial', jobId: s.started.jobId, slots: n, keyBits, signature }, [blob]);
  s.log.info({ values: n, of: ids.length, bytes: blob.length }, 'Paillier ciphertexts sent');
}

export const paillierJob: NodeJob = {
  start: async (s) => {
    s.log.info({ jobId: s.started.jobId, keys: 'paillier', alignment: s.started.alignment, ...paramsOf(s) }, 'job started');
    s.paillier = { keyPair: undefined, publicKey: undefined };
    if (s.isRecipient) {
      // the primes take a second or two: found while the records are aligned
      s.paillier.keyPair = paillierKeyPair(paramsOf(s).keyBits);
      s.paillier.keyPair.catch(() => {}); // awaited (and reported) in publishKey
      s.deps.custody.hold('paillierSecretKey');
      s.deps.custody.hold('paillierPublicKey');
    }
    await beginAlignment(s);
  },
  advance: async (s) => {
    // governance as under CKKS: a holder encrypts only once it has checked the recipient's authorisations
    await sendGrants(s);
    if (!s.aligned) return;
    if (s.isRecipient && !s.steps.has('paillier-key')) await publishKey(s);
    if (!s.paillier?.publicKey) return;
    if (s.started.alignment === 'query' && s.isRecipient && !s.steps.has('query')) await sendQuery(s);
    await sendGrants(s);
    if (s.slotIds && !s.steps.has('partial') && (await grantsChecked(s))) await sendCiphertexts(s);
  },
};

export const paillierHandlers: Handlers = {
  /** a holder: the recipient's public key, signed by the recipient */
  'paillier.public': (s, msg, [blob]) => {
    const state = s.paillier;
    if (s.started.keys !== 'paillier' || s.isRecipient || !state || state.publicKey || msg.from !== s.started.recipient)
      throw new FedError('PROTO_ERR_UNEXPECTED', 'paillier.public is not expected');
    const key = blob as Uint8Array;
    if (msg.keyBits !== paramsOf(s).keyBits)
      throw new FedError('JOB_ERR_NOT_AGREED', `the Paillier key has ${msg.keyBits} bits, not the agreed ${paramsOf(s).keyBits}`);
    checkSigned(s, 'paillier.public', msg.from, [String(msg.keyBits), key], msg.signature);
    paillierPublicKey(key, msg.keyBits);
    state.publicKey = new Uint8Array(key);
    s.deps.custody.hold('paillierPublicKey');
  },
  /** the recipient: the encrypted sums of the sampled slots */
  'paillier.sum': async (s, msg, [blob]) => {
    const pair = s.paillier?.keyPair;
    if (s.started.keys !== 'paillier' || !s.isRecipient || !pair || !s.slotIds)
      throw new FedError('PROTO_ERR_UNEXPECTED', 'paillier.sum sent to a party that is not the recipient');
    if (msg.slots !== sampled(s)) throw new FedError('JOB_ERR_MISMATCH', `the sum holds ${msg.slots} values, the job encrypts ${sampled(s)}`);
    const keys = await pair;
    const logits = await s.timed('decrypt', () =>
      keys.decrypt(blob as Uint8Array, msg.slots, { signal: s.deps.signal, onProgress: (d, t) => s.progress('decrypt', d, t) }),
    );
    s.deps.ledger.decrypted(logits.length);
    await finishScores(s, logits);
  },
};
