/**
 * Key setup, one party's side. Single holder: the holder makes the key pair
 * (with rotation keys for training) and publishes the public key, signed;
 * the others check the signature against their roster. Threshold: every
 * party makes its own key share p_i = -a s_i + e_i for the job's common `a`,
 * commits to it, and reveals it only once every party has committed, so no
 * one can choose its share after seeing the others' (a rogue key); each
 * party checks every share against its commitment and sums them itself into
 * the collective public key. No secret key or share leaves a party.
 */
import {
  collectiveGaloisKeys,
  commitNonce,
  createBoxKeys,
  createThresholdParty,
  crsSeed,
  FedError,
  generateKeyPair,
  trainingRotationSteps,
} from '@fedrisk/shared';
import type { Handlers } from '../handlers.ts';
import type { Session } from '../session.ts';
import { checkCommitted, checkSigned, commitmentOf, sign } from '../signing.ts';
import type { KeysState } from '../state.ts';
import { rogueKeyShare } from './attacks.ts';

function state(s: Session): KeysState {
  s.keys ??= { single: undefined, threshold: undefined, box: undefined, commits: new Map(), pending: undefined, shares: new Map(), galois: undefined };
  return s.keys;
}

/** what a share's commitment and signature cover: its X25519 key, its public-key share and (training) its rotation-key share */
const shareFields = (x25519: string, blob: Uint8Array, galois?: Uint8Array) => (galois ? [x25519, blob, galois] : [x25519, blob]);

/** This party's part of key setup: its key pair if it is the single holder, or its committed threshold share. */
export async function beginKeys(s: Session, opts: { rotations: boolean }): Promise<void> {
  s.steps.begin('keys');
  const job = s.started;
  const k = state(s);
  if (job.keys === 'threshold') {
    const party = await s.timed('keygen', () => createThresholdParty(s.ctx, crsSeed(job.jobId), s.deps.custody, s.deps.ledger));
    k.threshold = party;
    k.box = createBoxKeys(s.deps.custody);
    const nonce = commitNonce();
    // training: a share of every rotation key too, for the fixed public steps, under the same commitment
    const galois = opts.rotations ? await s.timed('keygen', () => party.training().galoisKeyShare(job.jobId, trainingRotationSteps(s.ctx.slots))) : undefined;
    k.pending = { share: party.shareBytes, nonce, galois };
    if (s.config.defences) {
      const commitment = commitmentOf(s, s.me, 'key share', shareFields(k.box.publicKey, party.shareBytes, galois), nonce);
      k.commits.set(s.me, commitment);
      await s.send({ type: 'keys.commit', jobId: job.jobId, commitment, signature: sign(s, 'keys.commit', [commitment]) });
    }
    return;
  }
  if ((job.keyHolder ?? job.recipient) !== s.me) return; // it waits for the holder's public key
  const pair = await s.timed('keygen', () => generateKeyPair(s.ctx, { rotations: opts.rotations, custody: s.deps.custody, ledger: s.deps.ledger }));
  k.single = pair;
  s.publicKey = pair.publicKeyBytes;
  await s.send({ type: 'keys.public', jobId: job.jobId, signature: sign(s, 'keys.public', [pair.publicKeyBytes]) }, [pair.publicKeyBytes]);
  if (pair.galoisKeysBytes)
    await s.send({ type: 'keys.galois', jobId: job.jobId, signature: sign(s, 'keys.galois', [pair.galoisKeysBytes]) }, [pair.galoisKeysBytes]);
  s.deps.faultPoint('after-keys');
}

/**
 * Threshold: reveals this party's share once every party has committed (at
 * once when the defences are off). A party staging a rogue key waits for
 * every other share first, and reveals one made from them.
 */
export async function revealKeyShareIfReady(s: Session): Promise<void> {
  const k = s.keys;
  if (!k?.pending || !k.box || s.steps.has('keys:reveal')) return;
  const n = s.jobParties.length;
  if (s.config.defences && k.commits.size < n) return;
  const rogue = s.config.attack?.kind === 'rogue-key';
  if (rogue && k.shares.size < n - 1) return;
  s.steps.begin('keys:reveal');
  const { nonce, galois } = k.pending;
  const share = rogue ? rogueKeyShare(s, k) : k.pending.share;
  k.pending = undefined;
  k.shares.set(s.me, { blob: share, x25519: k.box.publicKey, galois });
  const fields = shareFields(k.box.publicKey, share, galois);
  await s.send(
    {
      type: 'keys.share',
      jobId: s.started.jobId,
      x25519: k.box.publicKey,
      ...(s.config.defences ? { nonce } : {}),
      ...(galois ? { galois: true as const } : {}),
      signature: sign(s, 'keys.share', fields),
    },
    galois ? [share, galois] : [share],
  );
  s.deps.faultPoint('after-keys');
  await formCollectiveKey(s);
}

/** Threshold: once every party's share is in, sum them into the collective public key. */
async function formCollectiveKey(s: Session): Promise<void> {
  const k = state(s);
  if (!k.threshold || s.publicKey || k.shares.size < s.jobParties.length) return;
  const party = k.threshold;
  const shares = s.jobParties.map((p) => k.shares.get(p.id) as { blob: Uint8Array; galois?: Uint8Array });
  if (s.started.kind === 'training') {
    // each party adds every signed rotation-key share itself: the collective rotation keys, for s = sum of the key shares
    const galois = shares.map((sh, i) => {
      if (!sh.galois) throw new FedError('PROTO_ERR_UNEXPECTED', `${s.jobParties[i]?.id} sent no rotation-key share`);
      return sh.galois;
    });
    k.galois = await s.timed('keygen', () => collectiveGaloisKeys(s.ctx, s.started.jobId, galois));
    s.deps.custody.hold('collectiveRotationKeys');
  }
  s.publicKey = await s.timed('keygen', () => party.collectivePublicKey(shares.map((sh) => sh.blob)));
  s.log.info({ parties: s.jobParties.length, rotationKeys: !!k.galois }, 'collective keys formed from every share');
}

const fromHolder = (s: Session, from: string, type: string): void => {
  const job = s.started;
  if (job.keys !== 'single-holder' || from !== (job.keyHolder ?? job.recipient))
    throw new FedError('PROTO_ERR_UNEXPECTED', `${type} from ${from} is not expected`);
};

export const keysHandlers: Handlers = {
  'keys.public': (s, msg, blobs) => {
    fromHolder(s, msg.from, msg.type);
    if (s.publicKey) throw new FedError('PROTO_ERR_UNEXPECTED', 'a second public key');
    checkSigned(s, 'keys.public', msg.from, [blobs[0] as Uint8Array], msg.signature);
    s.publicKey = blobs[0];
    s.deps.custody.hold('publicKey');
    s.log.info({ from: msg.from, bytes: s.publicKey?.length }, 'public key received');
    s.deps.faultPoint('after-keys');
  },
  'keys.galois': (s, msg, blobs) => {
    fromHolder(s, msg.from, msg.type);
    const k = state(s);
    if (s.started.kind !== 'training' || s.started.keys !== 'single-holder' || k.galois)
      throw new FedError('PROTO_ERR_UNEXPECTED', `keys.galois from ${msg.from} is not expected`);
    checkSigned(s, 'keys.galois', msg.from, [blobs[0] as Uint8Array], msg.signature);
    k.galois = blobs[0];
    s.deps.custody.hold('rotationKeys');
    s.log.info({ from: msg.from, bytes: k.galois?.length }, 'rotation keys received');
  },
  'keys.commit': (s, msg) => {
    const k = state(s);
    if (s.started.keys !== 'threshold' || k.commits.has(msg.from) || !s.jobParties.some((p) => p.id === msg.from))
      throw new FedError('PROTO_ERR_UNEXPECTED', `keys.commit from ${msg.from} is not expected`);
    checkSigned(s, 'keys.commit', msg.from, [msg.commitment], msg.signature);
    k.commits.set(msg.from, msg.commitment);
  },
  'keys.share': async (s, msg, blobs) => {
    const k = state(s);
    const blob = blobs[0] as Uint8Array;
    if (s.started.keys !== 'threshold' || k.shares.has(msg.from) || msg.from === s.me || !s.jobParties.some((p) => p.id === msg.from))
      throw new FedError('PROTO_ERR_UNEXPECTED', `keys.share from ${msg.from} is not expected`);
    const galois = msg.galois ? blobs[1] : undefined;
    if (!galois !== (s.started.kind !== 'training'))
      throw new FedError('PROTO_ERR_UNEXPECTED', `keys.share from ${msg.from} ${galois ? 'carries' : 'lacks'} a rotation-key share`);
    const fields = shareFields(msg.x25519, blob, galois);
    checkSigned(s, 'keys.share', msg.from, fields, msg.signature);
    checkCommitted(s, msg.from, 'key share', fields, msg.nonce, k.commits.get(msg.from));
    k.shares.set(msg.from, { blob, x25519: msg.x25519, galois });
    s.log.info({ from: msg.from, have: k.shares.size }, 'signed public-key share received');
    await formCollectiveKey(s);
  },
};
