/**
 * Framing: a frame is either a text frame holding the JSON envelope, or a
 * binary frame `[u32 BE header length][header JSON][blob 0][blob 1]...`
 * whose header lists blob lengths in `blobs`. Blobs carry SEAL objects and
 * PSI points so they cross the wire without base64 inflation. Frames are
 * `unknown` until decoded here; every failure is a coded FedError that never
 * echoes the input.
 */
import type { z } from 'zod';
import { FedError } from '../util/errors.ts';
import { idListSizeProblem } from './id-list.ts';
import {
  type AnyMessage,
  type CoordinatorMessage,
  coordinatorMessageSchema,
  type Frame,
  MAX_BLOBS,
  type NodeMessage,
  nodeMessageSchema,
  type Outgoing,
  PROTOCOL_VERSION,
} from './protocol.ts';

/** Frames larger than this are refused before parsing. */
export const MAX_FRAME_BYTES = 512 * 1024 * 1024;

/** How many blobs each message type carries; anything else is a protocol error. */
function expectedBlobs(msg: AnyMessage): number {
  switch (msg.type) {
    case 'keys.share':
      return msg.galois ? 2 : 1;
    case 'reasons.compare':
      return 2;
    case 'keys.public':
    case 'keys.galois':
    case 'train.partial':
    case 'train.input':
    case 'train.request':
    case 'train.share':
    case 'train.sum':
    case 'train.residual':
    case 'psi.blinded':
    case 'psi.assign':
    case 'reasons.request':
    case 'reasons.reply':
    case 'reasons.operand':
    case 'reasons.masked':
    case 'auth.grants':
    case 'plain.partial':
    case 'plain.sum':
    case 'query.ids':
    case 'paillier.public':
    case 'paillier.partial':
    case 'paillier.sum':
      return 1;
    case 'psi.reply':
      return 2;
    case 'scores.partial':
    case 'scores.sum':
    case 'scores.input':
    case 'decrypt.share':
      return msg.chunks;
    case 'train.gradient':
      return msg.features;
    case 'train.labels':
      return msg.batches;
    case 'train.loss':
      return msg.terms;
    default:
      return 0;
  }
}

/** Bytes of the blobs whose size the message fixes: blinded points are 32 bytes each, plain values 8, Paillier ciphertexts 2·keyBits/8. */
function fixedBlobSizes(msg: AnyMessage): number[] {
  switch (msg.type) {
    case 'psi.blinded':
      return [32 * msg.points];
    case 'psi.reply':
      return [32 * msg.points, 32 * msg.ownPoints];
    case 'plain.partial':
    case 'plain.sum':
      return [8 * msg.slots];
    case 'paillier.public':
      return [msg.keyBits / 8];
    case 'paillier.partial':
    case 'paillier.sum':
      return [(msg.slots * 2 * msg.keyBits) / 8];
    default:
      return [];
  }
}

function checkBlobSizes(msg: AnyMessage, blobs: readonly Uint8Array[]): void {
  // an id list's length is bounded by its count (its ids are checked by the holder that reads them)
  const size = msg.type === 'query.ids' ? idListSizeProblem(blobs[0]?.length ?? 0, msg.count) : undefined;
  if (size) throw new FedError('PROTO_ERR_INVALID', `message query.ids: ${size}`);
  const sizes = fixedBlobSizes(msg);
  sizes.forEach((size, i) => {
    if (blobs[i]?.length !== size)
      throw new FedError('PROTO_ERR_INVALID', `message ${msg.type}: blob ${i + 1} has ${blobs[i]?.length} bytes, its header implies ${size}`);
  });
}

export function encodeFrame<M extends AnyMessage>(msg: Outgoing<M>, blobs: readonly Uint8Array[] = []): Uint8Array {
  const full = { v: PROTOCOL_VERSION, ...msg } as unknown as M;
  if (blobs.length !== expectedBlobs(full)) {
    throw new FedError('PROTO_ERR_INVALID', `message ${full.type} needs ${expectedBlobs(full)} blob(s), got ${blobs.length}`);
  }
  const header = Buffer.from(JSON.stringify(blobs.length ? { ...full, blobs: blobs.map((b) => b.length) } : full), 'utf8');
  let total = 4 + header.length;
  for (const b of blobs) total += b.length;
  const out = Buffer.allocUnsafe(total);
  out.writeUInt32BE(header.length, 0);
  header.copy(out, 4);
  let offset = 4 + header.length;
  for (const b of blobs) {
    out.set(b, offset);
    offset += b.length;
  }
  return out;
}

function splitFrame(raw: unknown): { header: unknown; blobs: Uint8Array[]; bytes: number } {
  if (typeof raw === 'string') {
    const bytes = Buffer.byteLength(raw);
    if (bytes > MAX_FRAME_BYTES) throw new FedError('PROTO_ERR_TOO_LARGE', `frame of ${bytes} bytes exceeds ${MAX_FRAME_BYTES}`);
    return { header: parseJson(raw), blobs: [], bytes };
  }
  const buf = toBuffer(raw);
  if (buf.length > MAX_FRAME_BYTES) throw new FedError('PROTO_ERR_TOO_LARGE', `frame of ${buf.length} bytes exceeds ${MAX_FRAME_BYTES}`);
  if (buf.length < 4) throw new FedError('PROTO_ERR_MALFORMED', 'binary frame shorter than its 4-byte header length');
  const headerLen = buf.readUInt32BE(0);
  if (headerLen > buf.length - 4) throw new FedError('PROTO_ERR_MALFORMED', `header length ${headerLen} runs past the frame end`);
  const header = parseJson(buf.subarray(4, 4 + headerLen).toString('utf8'));
  const lengths = (header as { blobs?: unknown } | null)?.blobs;
  const blobs: Uint8Array[] = [];
  let offset = 4 + headerLen;
  if (lengths !== undefined) {
    if (!Array.isArray(lengths) || lengths.length > MAX_BLOBS || !lengths.every((n) => Number.isSafeInteger(n) && n >= 0)) {
      throw new FedError('PROTO_ERR_MALFORMED', 'header field "blobs" must be a list of byte lengths');
    }
    for (const n of lengths as number[]) {
      if (offset + n > buf.length) throw new FedError('PROTO_ERR_MALFORMED', 'blob lengths run past the frame end');
      // a plain Uint8Array view: SEAL rejects Buffer instances
      blobs.push(new Uint8Array(buf.buffer, buf.byteOffset + offset, n));
      offset += n;
    }
    delete (header as { blobs?: unknown }).blobs;
  }
  if (offset !== buf.length) throw new FedError('PROTO_ERR_MALFORMED', `${buf.length - offset} trailing byte(s) after the last blob`);
  return { header, blobs, bytes: buf.length };
}

function toBuffer(raw: unknown): Buffer {
  if (Buffer.isBuffer(raw)) return raw;
  if (raw instanceof ArrayBuffer) return Buffer.from(raw);
  if (ArrayBuffer.isView(raw)) return Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  if (Array.isArray(raw) && raw.every((p) => Buffer.isBuffer(p))) return Buffer.concat(raw);
  throw new FedError('PROTO_ERR_MALFORMED', 'frame is neither text nor binary');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new FedError('PROTO_ERR_MALFORMED', 'frame header is not valid JSON', { cause });
  }
}

/** Describes a value without echoing it: its type, and its length for strings. */
function kindOf(value: unknown): string {
  if (typeof value === 'string') return `a string of ${value.length} characters`;
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'undefined' ? 'missing' : `a ${typeof value}`;
}

function decodeWith<M extends AnyMessage>(raw: unknown, schema: z.ZodType<M>): Frame<M> {
  const { header, blobs, bytes } = splitFrame(raw);
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new FedError('PROTO_ERR_INVALID', 'frame header must be a JSON object');
  const v = (header as { v?: unknown }).v;
  if (v !== PROTOCOL_VERSION) {
    const said = typeof v === 'number' && Number.isSafeInteger(v) ? String(v) : kindOf(v);
    throw new FedError('PROTO_ERR_VERSION', `protocol version ${said} is not supported (this peer speaks ${PROTOCOL_VERSION})`);
  }
  const parsed = schema.safeParse(header);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.map(String).join('.').slice(0, 200) : '(message)';
    throw new FedError('PROTO_ERR_INVALID', `invalid message at ${where}: ${(issue?.message ?? 'schema mismatch').slice(0, 300)}`, {
      details: { path: where },
    });
  }
  const want = expectedBlobs(parsed.data);
  if (blobs.length !== want) {
    throw new FedError('PROTO_ERR_INVALID', `message ${parsed.data.type} needs ${want} blob(s), got ${blobs.length}`);
  }
  checkBlobSizes(parsed.data, blobs);
  return { msg: parsed.data, blobs, bytes };
}

export function decodeNodeFrame(raw: unknown): Frame<NodeMessage> {
  return decodeWith(raw, nodeMessageSchema);
}

export function decodeCoordinatorFrame(raw: unknown): Frame<CoordinatorMessage> {
  return decodeWith(raw, coordinatorMessageSchema);
}
