/**
 * Key setup, one party's side. Single holder: the holder makes the key pair
 * (with rotation keys for training) and publishes the public key; the others
 * receive it. Threshold: every party makes its own key share and publishes
 * p_i = -a s_i + e_i for the job's common `a`, signed; each sums every share
 * itself into the collective public key. No secret key or share leaves.
 */
import { createEphemeral, createThresholdParty, crsSeed, FedError, generateKeyPair, signFields, verifyFields } from '@fedrisk/shared';
import type { Handlers } from '../handlers.ts';
import type { Session } from '../session.ts';
import type { KeysState } from '../state.ts';

function state(s: Session): KeysState {
  s.keys ??= { single: undefined, threshold: undefined, ephemeral: undefined, shares: new Map(), galois: undefined };
  return s.keys;
}

/** This party's part of key setup: its key pair if it is the single holder, or its signed threshold share. */
export async function beginKeys(s: Session, opts: { rotations: boolean }): Promise<void> {
  s.steps.begin('keys');
  const job = s.started;
  const k = state(s);
  if (job.keys === 'threshold') {
    const { identityKey, roster } = s.config;
    if (!identityKey || !roster) throw new FedError('CONFIG_ERR_INVALID', `${s.me} has no identity key or roster; the threshold design needs both`);
    for (const p of job.parties) {
      const entry = roster.find((r) => r.party === p.id);
      if (!entry || entry.role !== p.role)
        throw new FedError('CRYPTO_ERR_SIGNATURE', `the job lists ${p.id} as a ${p.role}, which this party's roster does not`);
    }
    const party = await s.timed('keygen', () => createThresholdParty(s.ctx, crsSeed(job.jobId), s.deps.custody));
    k.threshold = party;
    k.ephemeral = createEphemeral(s.deps.custody);
    k.shares.set(s.me, { blob: party.shareBytes, x25519: k.ephemeral.publicKey });
    const signature = signFields(identityKey, ['keys.share', job.jobId, s.me, k.ephemeral.publicKey, party.shareBytes]);
    await s.send({ type: 'keys.share', jobId: job.jobId, x25519: k.ephemeral.publicKey, signature }, [party.shareBytes]);
    s.deps.faultPoint('after-keys');
    await formCollectiveKey(s);
    return;
  }
  if ((job.keyHolder ?? job.recipient) !== s.me) return; // it waits for the holder's public key
  const pair = await s.timed('keygen', () => generateKeyPair(s.ctx, { rotations: opts.rotations, custody: s.deps.custody }));
  k.single = pair;
  s.publicKey = pair.publicKeyBytes;
  await s.send({ type: 'keys.public', jobId: job.jobId }, [pair.publicKeyBytes]);
  if (pair.galoisKeysBytes) await s.send({ type: 'keys.galois', jobId: job.jobId }, [pair.galoisKeysBytes]);
  s.deps.faultPoint('after-keys');
}

/** Threshold: once every party's signed share is in, sum them into the collective public key. */
async function formCollectiveKey(s: Session): Promise<void> {
  const k = state(s);
  if (!k.threshold || s.publicKey || k.shares.size < s.jobParties.length) return;
  const party = k.threshold;
  const shares = s.jobParties.map((p) => (k.shares.get(p.id) as { blob: Uint8Array }).blob);
  s.publicKey = await s.timed('keygen', () => party.collectivePublicKey(shares));
  s.log.info({ parties: s.jobParties.length }, 'collective public key formed from every share');
}

export const keysHandlers: Handlers = {
  'keys.public': (s, msg, blobs) => {
    const job = s.started;
    if (job.keys !== 'single-holder' || msg.from !== (job.keyHolder ?? job.recipient) || s.publicKey)
      throw new FedError('PROTO_ERR_UNEXPECTED', `keys.public from ${msg.from} is not expected`);
    s.publicKey = blobs[0];
    s.deps.custody.hold('publicKey');
    s.log.info({ from: msg.from, bytes: s.publicKey?.length }, 'public key received');
    s.deps.faultPoint('after-keys');
  },
  'keys.galois': (s, msg, blobs) => {
    const job = s.started;
    const k = state(s);
    if (job.kind !== 'training' || msg.from !== (job.keyHolder ?? job.recipient) || k.galois)
      throw new FedError('PROTO_ERR_UNEXPECTED', `keys.galois from ${msg.from} is not expected`);
    k.galois = blobs[0];
    s.deps.custody.hold('rotationKeys');
    s.log.info({ from: msg.from, bytes: k.galois?.length }, 'rotation keys received');
  },
  'keys.share': async (s, msg, blobs) => {
    const k = state(s);
    const blob = blobs[0] as Uint8Array;
    if (s.started.keys !== 'threshold' || k.shares.has(msg.from) || !s.jobParties.some((p) => p.id === msg.from))
      throw new FedError('PROTO_ERR_UNEXPECTED', `keys.share from ${msg.from} is not expected`);
    if (!verifyFields(s.rosterKey(msg.from), ['keys.share', msg.jobId, msg.from, msg.x25519, blob], msg.signature)) {
      throw new FedError('CRYPTO_ERR_SIGNATURE', `the key share said to come from ${msg.from} is not signed by ${msg.from}`);
    }
    k.shares.set(msg.from, { blob, x25519: msg.x25519 });
    s.log.info({ from: msg.from, have: k.shares.size }, 'signed public-key share received');
    await formCollectiveKey(s);
  },
};
