/**
 * A list of record ids as one blob: the ids joined by '\n' (ASCII: the
 * record-id rule admits nothing else). At a million ids a JSON array cost the
 * coordinator a parse, a check of every id and a re-serialisation per holder
 * (1.3 s of CPU on the job's critical path); a blob it relays without parsing
 * (the ids are still in the clear), and the holder that uses them checks each once.
 */
import { FedError } from '../util/errors.ts';
import { RECORD_ID_PATTERN } from './ids.ts';

/** Why `bytes` bytes cannot hold `count` record ids (one to 64 characters each, a newline between), or undefined. */
export function idListSizeProblem(bytes: number, count: number): string | undefined {
  return bytes < count * 2 - 1 || bytes > count * 65 - 1 ? `${bytes} bytes cannot hold ${count} record ids` : undefined;
}

/** UTF-8, so a character outside ASCII reaches the holder as bytes it refuses, never as another id. */
export function encodeIdList(ids: readonly string[]): Uint8Array {
  const blob = Buffer.from(ids.join('\n'), 'utf8');
  return new Uint8Array(blob.buffer, blob.byteOffset, blob.byteLength);
}

/** The ids of a blob that must hold exactly `count` record ids; `what` names it in the error. */
export function decodeIdList(blob: Uint8Array, count: number, what: string): string[] {
  const size = idListSizeProblem(blob.length, count);
  if (size) throw new FedError('PROTO_ERR_INVALID', `${what}: ${size}`);
  const ids = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength).toString('latin1').split('\n');
  if (ids.length !== count) throw new FedError('PROTO_ERR_INVALID', `${what}: the list holds ${ids.length} ids, its header says ${count}`);
  for (let k = 0; k < ids.length; k++) {
    if (!RECORD_ID_PATTERN.test(ids[k] as string))
      throw new FedError('PROTO_ERR_INVALID', `${what}: id ${k + 1} is not a record id (letters, digits, _ . : -, at most 64 characters)`);
  }
  return ids;
}
