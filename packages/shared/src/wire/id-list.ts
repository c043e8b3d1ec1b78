/**
 * A list of record ids as one blob: the ids joined by '\n', in ASCII (the
 * record-id rule admits nothing else). At a million ids a JSON array cost the
 * coordinator a parse, a check of every id and a re-serialisation per holder
 * (1.3 s of CPU on the job's critical path); a blob it relays without parsing
 * (the ids are still in the clear), and the holder that uses them checks each once.
 */
import { FedError } from '../util/errors.ts';
import { RECORD_ID_PATTERN } from './ids.ts';
/** the longest a list of `count` ids can be: 64 characters each and a separator between */
export const maxIdListBytes = (count: number): number => count * 65 - 1;
/** the shortest: one character each */
export const minIdListBytes = (count: number): number => count * 2 - 1;

export function encodeIdList(ids: readonly string[]): Uint8Array {
  const blob = Buffer.from(ids.join('\n'), 'latin1');
  return new Uint8Array(blob.buffer, blob.byteOffset, blob.byteLength);
}

/** The ids of a blob that must hold exactly `count` record ids; `what` names it in the error. */
export function decodeIdList(blob: Uint8Array, count: number, what: string): string[] {
  if (blob.length < minIdListBytes(count) || blob.length > maxIdListBytes(count))
    throw new FedError('PROTO_ERR_INVALID', `${what}: ${blob.length} bytes cannot hold ${count} record ids`);
  const ids = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength).toString('latin1').split('\n');
  if (ids.length !== count) throw new FedError('PROTO_ERR_INVALID', `${what}: the list holds ${ids.length} ids, its header says ${count}`);
  for (let k = 0; k < ids.length; k++) {
    if (!RECORD_ID_PATTERN.test(ids[k] as string))
      throw new FedError('PROTO_ERR_INVALID', `${what}: id ${k + 1} is not a record id (letters, digits, _ . : -, at most 64 characters)`);
  }
  return ids;
}
