/**
 * Key setup as the coordinator sees it (phase "keys"): it relays public
 * material only. Single holder: the holder's signed public key (and, for
 * training, its rotation keys) to everyone else. Threshold: first every
 * party's commitment to its share, then, once all are in, every party's
 * signed share, which each party checks against the commitment and sums
 * itself. Calls `onKeys` once, when every expected key has been relayed.
 */
import { FedError } from '@fedrisk/shared';
import { type JobDeps, othersThan, partyIds, type Step } from '../job.ts';

export interface KeyRelayOptions {
  /** single-holder only: who generates the key pair */
  holder: string;
  /** training: the holder also sends rotation keys (single holder), or every share carries a rotation-key share (threshold) */
  rotations: boolean;
  /** threshold: commitments come first (the default; off only to show an attack) */
  commit: boolean;
  /** a staged key-swap: what the coordinator hands out instead of the holder's public key */
  swapPublicKey?: ((holderKey: Uint8Array) => Uint8Array) | undefined;
}

export function keyRelay(deps: JobDeps, opts: KeyRelayOptions, onKeys: () => void): Step {
  const { config, phases } = deps;
  const threshold = config.keys === 'threshold' && !opts.swapPublicKey;
  const commits = new Set<string>();
  const shares = new Set<string>();
  let publicKey = false;
  let galois = false;
  const singleDone = () => publicKey && (galois || !opts.rotations);
  const signed = (party: string, type: string, signature: string | undefined): string => {
    if (!signature) throw new FedError('PROTO_ERR_INVALID', `${party} sent an unsigned ${type}`);
    return signature;
  };
  const handlers: Step['handlers'] = {
    'keys.public': (party, msg, blobs) => {
      phases.expect(party, msg.type, 'keys');
      if (threshold || party !== opts.holder || publicKey) throw phases.unexpected(party, msg.type);
      const signature = signed(party, msg.type, msg.signature);
      publicKey = true;
      deps.custody.hold('relayedPublicKey');
      deps.logger.info({ from: party, bytes: blobs[0]?.length }, 'public key received, forwarding');
      const handedOut = opts.swapPublicKey ? [opts.swapPublicKey(blobs[0] as Uint8Array)] : blobs;
      for (const id of othersThan(config, party)) deps.send(id, { type: 'keys.public', jobId: config.jobId, from: party, signature }, handedOut);
      if (singleDone()) onKeys();
    },
    'keys.galois': (party, msg, blobs) => {
      phases.expect(party, msg.type, 'keys');
      if (threshold || !opts.rotations || party !== opts.holder || galois) throw phases.unexpected(party, msg.type);
      const signature = signed(party, msg.type, msg.signature);
      galois = true;
      deps.custody.hold('relayedRotationKeys');
      for (const id of othersThan(config, party)) deps.send(id, { type: 'keys.galois', jobId: config.jobId, from: party, signature }, blobs);
      if (singleDone()) onKeys();
    },
    'keys.commit': (party, msg) => {
      phases.expect(party, msg.type, 'keys');
      if (!threshold || !opts.commit || commits.has(party)) throw phases.unexpected(party, msg.type);
      const signature = signed(party, msg.type, msg.signature);
      commits.add(party);
      for (const id of othersThan(config, party))
        deps.send(id, { type: 'keys.commit', jobId: config.jobId, from: party, commitment: msg.commitment, signature });
    },
    'keys.share': (party, msg, blobs) => {
      phases.expect(party, msg.type, 'keys');
      if (!threshold || shares.has(party)) throw phases.unexpected(party, msg.type);
      // a share revealed before every commitment is in could have been chosen after seeing others'
      if (opts.commit && commits.size < config.parties.length)
        throw new FedError('PROTO_ERR_UNEXPECTED', `${party} revealed its key share before every party had committed`);
      const signature = signed(party, msg.type, msg.signature);
      // training carries a rotation-key share with each public-key share, and only training does
      if (!!msg.galois !== opts.rotations) throw phases.unexpected(party, msg.type);
      shares.add(party);
      deps.custody.hold('relayedKeyShares');
      if (msg.galois) deps.custody.hold('relayedRotationKeyShares');
      deps.logger.info({ from: party, have: shares.size, of: config.parties.length }, 'public-key share received, forwarding');
      for (const id of othersThan(config, party))
        deps.send(
          id,
          {
            type: 'keys.share',
            jobId: config.jobId,
            from: party,
            x25519: msg.x25519,
            ...(msg.nonce ? { nonce: msg.nonce } : {}),
            ...(msg.galois ? { galois: true as const } : {}),
            signature,
          },
          blobs,
        );
      if (shares.size === config.parties.length) onKeys();
    },
  };
  return {
    handlers,
    waitingFor: () => {
      if (!threshold) return [opts.holder];
      const pending = opts.commit && commits.size < config.parties.length ? commits : shares;
      return partyIds(config).filter((id) => !pending.has(id));
    },
  };
}
