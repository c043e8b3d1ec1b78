/**
 * Key setup as the coordinator sees it (phase "keys"): it relays public
 * material only. Single holder: the holder's public key (and, for training,
 * its rotation keys) to everyone else. Threshold: every party's signed
 * public-key share to every other party, which each sums itself.
 * Calls `onKeys` once, when every expected key has been relayed.
 */
import { FedError } from '@fedrisk/shared';
import { type JobDeps, othersThan, partyIds, type Step } from '../job.ts';

export interface KeyRelayOptions {
  /** single-holder only: who generates the key pair */
  holder: string;
  /** training: the holder also sends rotation keys */
  rotations: boolean;
}

export function keyRelay(deps: JobDeps, opts: KeyRelayOptions, onKeys: () => void): Step {
  const { config, phases } = deps;
  const threshold = config.keys === 'threshold';
  const shares = new Set<string>();
  let publicKey = false;
  let galois = false;
  const singleDone = () => publicKey && (galois || !opts.rotations);
  const handlers: Step['handlers'] = {
    'keys.public': (party, msg, blobs) => {
      phases.expect(party, msg.type, 'keys');
      if (threshold || party !== opts.holder || publicKey) throw phases.unexpected(party, msg.type);
      publicKey = true;
      deps.custody.hold('relayedPublicKey');
      deps.logger.info({ from: party, bytes: blobs[0]?.length }, 'public key received, forwarding');
      for (const id of othersThan(config, party)) deps.send(id, { type: 'keys.public', jobId: config.jobId, from: party }, blobs);
      if (singleDone()) onKeys();
    },
    'keys.galois': (party, msg, blobs) => {
      phases.expect(party, msg.type, 'keys');
      if (threshold || !opts.rotations || party !== opts.holder || galois) throw phases.unexpected(party, msg.type);
      galois = true;
      deps.custody.hold('relayedRotationKeys');
      for (const id of othersThan(config, party)) deps.send(id, { type: 'keys.galois', jobId: config.jobId, from: party }, blobs);
      if (singleDone()) onKeys();
    },
    'keys.share': (party, msg, blobs) => {
      phases.expect(party, msg.type, 'keys');
      if (!threshold || shares.has(party)) throw phases.unexpected(party, msg.type);
      if (!msg.signature) throw new FedError('PROTO_ERR_INVALID', `${party} sent an unsigned key share`);
      shares.add(party);
      deps.custody.hold('relayedKeyShares');
      deps.logger.info({ from: party, have: shares.size, of: config.parties.length }, 'public-key share received, forwarding');
      for (const id of othersThan(config, party))
        deps.send(id, { type: 'keys.share', jobId: config.jobId, from: party, x25519: msg.x25519, signature: msg.signature }, blobs);
      if (shares.size === config.parties.length) onKeys();
    },
  };
  return {
    handlers,
    waitingFor: () => (threshold ? partyIds(config).filter((id) => !shares.has(id)) : [opts.holder]),
  };
}
