/**
 * Who may join: a hello must name a party the job lists, with its role and
 * the credential whose sha256 the config holds (compared in constant time),
 * and that party must not already be connected.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { type CoordinatorConfig, FedError, type NodeMessage } from '@fedrisk/shared';

const sha256 = (text: string): Buffer => createHash('sha256').update(text).digest();

/** Why this first message does not admit its sender, or undefined if it does. */
export function refuseHello(config: CoordinatorConfig, connected: ReadonlySet<string> | ReadonlyMap<string, unknown>, msg: NodeMessage): FedError | undefined {
  if (msg.type !== 'hello') return new FedError('AUTH_ERR_REJECTED', 'the first message must be hello');
  const entry = config.parties.find((p) => p.id === msg.party);
  const tokenOk = entry ? timingSafeEqual(sha256(msg.token), Buffer.from(entry.tokenSha256, 'hex')) : false;
  if (!entry || entry.role !== msg.role || !tokenOk) {
    return new FedError(
      'AUTH_ERR_REJECTED',
      `party "${msg.party}" with role ${msg.role} is not admitted to this job (unknown party, wrong role or wrong credential)`,
    );
  }
  if (connected.has(msg.party)) return new FedError('AUTH_ERR_DUPLICATE', `party "${msg.party}" is already connected`);
  return undefined;
}
