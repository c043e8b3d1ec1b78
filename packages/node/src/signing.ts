/**
 * What a party signs and checks. Every key, input, share and PSI message is
 * signed by its author with its identity key over (type, job, author, and the
 * message's own fields and blobs), and checked against the receiver's own
 * roster, never against anything the coordinator says. With defences off (a
 * staged attack) the checks are skipped, to show what they stop.
 */
import { commitTo, FedError, signFields, verifyFields } from '@fedrisk/shared';
import type { Session } from './session.ts';

type Field = string | Uint8Array;

export function sign(s: Session, type: string, fields: readonly Field[]): string {
  return signFields(s.identityKey, [type, s.started.jobId, s.me, ...fields]);
}

/** Throws CRYPTO_ERR_SIGNATURE unless `from` signed exactly these fields (or the defences are off). */
export function checkSigned(s: Session, type: string, from: string, fields: readonly Field[], signature: string | undefined): void {
  if (!s.config.defences) return;
  if (!signature || !verifyFields(s.rosterKey(from), [type, s.started.jobId, from, ...fields], signature)) {
    throw new FedError('CRYPTO_ERR_SIGNATURE', `the ${type} said to come from ${from} is not signed by ${from}`, { details: { from, type } });
  }
}

/** A party's commitment to what it will reveal: bound to the job, the party and the kind of thing. */
export function commitmentOf(s: Session, from: string, what: string, fields: readonly Field[], nonce: string): string {
  return commitTo([what, s.started.jobId, from, ...fields], nonce);
}

/** Throws CRYPTO_ERR_COMMITMENT unless what `from` revealed is what it committed to (defences on). */
export function checkCommitted(
  s: Session,
  from: string,
  what: string,
  fields: readonly Field[],
  nonce: string | undefined,
  committed: string | undefined,
): void {
  if (!s.config.defences) return;
  if (!committed) throw new FedError('CRYPTO_ERR_COMMITMENT', `${from} revealed its ${what} before committing to it`, { details: { from, what } });
  if (!nonce || commitmentOf(s, from, what, fields, nonce) !== committed)
    throw new FedError('CRYPTO_ERR_COMMITMENT', `${from}'s ${what} does not match the commitment it made before seeing anyone else's`, {
      details: { from, what },
    });
}
