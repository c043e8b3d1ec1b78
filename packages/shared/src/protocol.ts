/**
 * The wire protocol: every message either side may send, one zod discriminated
 * union per direction. Types come from z.infer and are never written twice.
 *
 * Framing: a frame is either a text frame holding the JSON envelope, or a
 * binary frame `[u32 BE header length][header JSON][blob 0][blob 1]...`
 * whose header lists blob lengths in `blobs`. Blobs carry SEAL objects
 * (public keys, ciphertexts) so they cross the wire without base64 inflation.
 */
import { z } from 'zod';
import { type ErrorCode, FedError, isErrorCode, type WireError } from './errors.ts';
import { trainingSchema } from './training.ts';

export const PROTOCOL_VERSION = 1;
/** Frames larger than this are refused before parsing. */
export const MAX_FRAME_BYTES = 512 * 1024 * 1024;
const MAX_BLOBS = 4096;

export const partyIdSchema = z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'party id: lowercase letters, digits and -, at most 32 characters');
/** bank, tax and guarantor have fixed synthetic columns; a holder's columns come from its scenario (real data) */
export const roleSchema = z.enum(['bank', 'tax', 'guarantor', 'holder']);
export type Role = z.infer<typeof roleSchema>;
/** A record key: a unified social credit code for synthetic SMEs, or a data set's own key (letters, digits, _ . : -). */
export const businessIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/, 'a record id: letters, digits, _ . : -, at most 64 characters');
export const idFormatSchema = z.enum(['uscc', 'plain']);
export type IdFormat = z.infer<typeof idFormatSchema>;
export const jobIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

export const ckksParamsSchema = z
  .object({
    polyModulusDegree: z.union([z.literal(4096), z.literal(8192), z.literal(16384), z.literal(32768)]),
    coeffModulusBits: z.array(z.number().int().min(20).max(60)).min(2).max(16),
    scaleBits: z.number().int().min(20).max(120),
    compression: z.enum(['none', 'zstd']),
  })
  .strict();
export type CkksParams = z.infer<typeof ckksParamsSchema>;

/** Who holds decryption keys: the recipient alone, or every party a share (n-of-n). */
export const keysSchema = z.enum(['single-holder', 'threshold']);
export type KeysDesign = z.infer<typeof keysSchema>;
/** How records are aligned: an explicit applicant list, or private set intersection. */
export const alignmentSchema = z.enum(['query', 'psi', 'psi-cardinality']);
export type Alignment = z.infer<typeof alignmentSchema>;
const b64 = (max: number) =>
  z
    .string()
    .regex(/^[A-Za-z0-9+/]+={0,2}$/, 'base64')
    .max(max);

const wireErrorSchema = z.object({
  code: z.string().refine(isErrorCode, 'unknown error code'),
  message: z.string().max(4000),
  details: z.record(z.string(), z.unknown()).optional(),
});

const env = { v: z.literal(PROTOCOL_VERSION) };
/** fields every training message about one mini-batch carries */
const batchFields = { jobId: jobIdSchema, epoch: z.number().int().min(1), batch: z.number().int().min(0) };
const psiCount = z.number().int().min(0);
const optionalSignature = b64(128).optional();

/** Messages a party node sends to the coordinator. */
export const nodeMessageSchema = z.discriminatedUnion('type', [
  z.object({ ...env, type: z.literal('hello'), party: partyIdSchema, role: roleSchema, token: z.string().min(16).max(256) }).strict(),
  z.object({ ...env, type: z.literal('keys.public'), jobId: jobIdSchema }).strict(),
  /** threshold: this party's public-key share (blob), its X25519 key for sealed shares, signed with its identity key */
  z.object({ ...env, type: z.literal('keys.share'), jobId: jobIdSchema, x25519: b64(64), signature: b64(128) }).strict(),
  z.object({ ...env, type: z.literal('query.ids'), jobId: jobIdSchema, ids: z.array(businessIdSchema).min(1).max(1_000_000) }).strict(),
  z
    .object({
      ...env,
      type: z.literal('scores.partial'),
      jobId: jobIdSchema,
      count: z.number().int().min(1),
      chunks: z.number().int().min(1).max(MAX_BLOBS),
      signature: optionalSignature,
    })
    .strict(),
  /** threshold: whether this party accepts the decryption request (it checked the ciphertext is the job's sum) */
  z.object({ ...env, type: z.literal('decrypt.verdict'), jobId: jobIdSchema, ok: z.boolean(), error: wireErrorSchema.optional() }).strict(),
  /** threshold: decryption shares sealed end to end for the recipient (blobs) */
  z.object({ ...env, type: z.literal('decrypt.share'), jobId: jobIdSchema, to: partyIdSchema, chunks: z.number().int().min(1).max(MAX_BLOBS) }).strict(),
  z.object({ ...env, type: z.literal('result.done'), jobId: jobIdSchema, scored: z.number().int().min(0) }).strict(),
  /** PSI, recipient -> a holder: its applicants hashed to the group and blinded, in its own order (blob) */
  z
    .object({ ...env, type: z.literal('psi.blinded'), jobId: jobIdSchema, to: partyIdSchema, count: z.number().int().min(0), signature: optionalSignature })
    .strict(),
  /** PSI, holder -> recipient: the recipient's points blinded again, and the holder's own blinded customers (2 blobs) */
  z
    .object({
      ...env,
      type: z.literal('psi.reply'),
      jobId: jobIdSchema,
      to: partyIdSchema,
      count: psiCount,
      ownCount: psiCount,
      signature: optionalSignature,
    })
    .strict(),
  /** PSI, recipient -> holder: (position in the holder's shuffled list, slot) pairs for the intersection (blob of u32 pairs) */
  z
    .object({ ...env, type: z.literal('psi.assign'), jobId: jobIdSchema, to: partyIdSchema, pairs: z.number().int().min(0), signature: optionalSignature })
    .strict(),
  /** training: the key holder's rotation keys, needed to sum slots under encryption (blob) */
  z.object({ ...env, type: z.literal('keys.galois'), jobId: jobIdSchema }).strict(),
  /** training, holder: its partial logits for one batch, times 1/4, encrypted (blob) */
  z.object({ ...env, type: z.literal('train.partial'), ...batchFields }).strict(),
  /** training, label holder: the encrypted Taylor residual of one batch (blob) */
  z.object({ ...env, type: z.literal('train.residual'), ...batchFields }).strict(),
  /** training, holder: its masked, encrypted gradient for one batch, one ciphertext per feature */
  z
    .object({
      ...env,
      type: z.literal('train.gradient'),
      ...batchFields,
      features: z.number().int().min(1).max(MAX_BLOBS),
    })
    .strict(),
  /** training, key holder: a holder's masked gradient, decrypted (plaintext, still masked) */
  z
    .object({
      ...env,
      type: z.literal('train.unmask'),
      ...batchFields,
      to: partyIdSchema,
      values: z.array(z.number()).max(MAX_BLOBS),
    })
    .strict(),
  /** training, label holder: the epoch's loss and whether to stop */
  z.object({ ...env, type: z.literal('train.epoch'), jobId: jobIdSchema, epoch: z.number().int().min(1), loss: z.number(), stop: z.boolean() }).strict(),
  /** PSI, recipient -> coordinator: alignment finished; the aligned vectors have `count` slots */
  z.object({ ...env, type: z.literal('psi.done'), jobId: jobIdSchema, count: z.number().int().min(0) }).strict(),
  z.object({ ...env, type: z.literal('error'), jobId: jobIdSchema.optional(), error: wireErrorSchema }).strict(),
]);
export type NodeMessage = z.infer<typeof nodeMessageSchema>;

/** Messages the coordinator sends to a party node. */
export const coordinatorMessageSchema = z.discriminatedUnion('type', [
  z.object({ ...env, type: z.literal('welcome'), party: partyIdSchema }).strict(),
  z
    .object({
      ...env,
      type: z.literal('job.start'),
      jobId: jobIdSchema,
      keys: keysSchema,
      alignment: alignmentSchema,
      /** scoring (the default) or training; training carries its hyper-parameters */
      kind: z.enum(['scoring', 'training']).default('scoring'),
      training: trainingSchema.optional(),
      /** single-holder only: the party that generates the key pair */
      keyHolder: partyIdSchema.optional(),
      recipient: partyIdSchema,
      parties: z.array(z.object({ id: partyIdSchema, role: roleSchema }).strict()).min(1),
      ckks: ckksParamsSchema,
    })
    .strict(),
  z.object({ ...env, type: z.literal('keys.public'), jobId: jobIdSchema, from: partyIdSchema }).strict(),
  z.object({ ...env, type: z.literal('keys.share'), jobId: jobIdSchema, from: partyIdSchema, x25519: b64(64), signature: b64(128) }).strict(),
  z.object({ ...env, type: z.literal('query.ids'), jobId: jobIdSchema, from: partyIdSchema, ids: z.array(businessIdSchema).min(1) }).strict(),
  z
    .object({ ...env, type: z.literal('scores.sum'), jobId: jobIdSchema, count: z.number().int().min(1), chunks: z.number().int().min(1).max(MAX_BLOBS) })
    .strict(),
  /** threshold: another party's signed input ciphertexts, so each node can recompute the sum it is asked to decrypt */
  z
    .object({
      ...env,
      type: z.literal('scores.input'),
      jobId: jobIdSchema,
      from: partyIdSchema,
      count: z.number().int().min(1),
      chunks: z.number().int().min(1).max(MAX_BLOBS),
      signature: b64(128),
    })
    .strict(),
  /**
   * threshold: the ciphertexts the coordinator asks the parties to decrypt, named by the SHA-256 of
   * their uncompressed serialization; each party decrypts only its own recomputed sum, if the names match
   */
  z
    .object({
      ...env,
      type: z.literal('decrypt.request'),
      jobId: jobIdSchema,
      count: z.number().int().min(1),
      digests: z
        .array(z.string().regex(/^[0-9a-f]{64}$/))
        .min(1)
        .max(MAX_BLOBS),
    })
    .strict(),
  z.object({ ...env, type: z.literal('decrypt.share'), jobId: jobIdSchema, from: partyIdSchema, chunks: z.number().int().min(1).max(MAX_BLOBS) }).strict(),
  z
    .object({ ...env, type: z.literal('psi.blinded'), jobId: jobIdSchema, from: partyIdSchema, count: z.number().int().min(0), signature: optionalSignature })
    .strict(),
  z
    .object({
      ...env,
      type: z.literal('psi.reply'),
      jobId: jobIdSchema,
      from: partyIdSchema,
      count: psiCount,
      ownCount: psiCount,
      signature: optionalSignature,
    })
    .strict(),
  z
    .object({ ...env, type: z.literal('psi.assign'), jobId: jobIdSchema, from: partyIdSchema, pairs: z.number().int().min(0), signature: optionalSignature })
    .strict(),
  z.object({ ...env, type: z.literal('keys.galois'), jobId: jobIdSchema, from: partyIdSchema }).strict(),
  z.object({ ...env, type: z.literal('train.sum'), ...batchFields }).strict(),
  z
    .object({
      ...env,
      type: z.literal('train.residual'),
      ...batchFields,
      from: partyIdSchema,
    })
    .strict(),
  z
    .object({
      ...env,
      type: z.literal('train.gradient'),
      ...batchFields,
      from: partyIdSchema,
      features: z.number().int().min(1).max(MAX_BLOBS),
    })
    .strict(),
  z
    .object({
      ...env,
      type: z.literal('train.unmask'),
      ...batchFields,
      from: partyIdSchema,
      values: z.array(z.number()).max(MAX_BLOBS),
    })
    .strict(),
  z.object({ ...env, type: z.literal('train.epoch'), jobId: jobIdSchema, epoch: z.number().int().min(1), loss: z.number(), stop: z.boolean() }).strict(),
  /** alignment finished: key setup may start; aligned vectors have `count` slots */
  z.object({ ...env, type: z.literal('align.done'), jobId: jobIdSchema, count: z.number().int().min(0) }).strict(),
  z.object({ ...env, type: z.literal('job.end'), jobId: jobIdSchema, ok: z.boolean(), error: wireErrorSchema.optional() }).strict(),
  z.object({ ...env, type: z.literal('error'), jobId: jobIdSchema.optional(), error: wireErrorSchema }).strict(),
]);
export type CoordinatorMessage = z.infer<typeof coordinatorMessageSchema>;
export type NodeMessageType = NodeMessage['type'];
export type CoordinatorMessageType = CoordinatorMessage['type'];

/** A decoded frame: the validated message, its binary attachments and its size on the wire. */
export interface Frame<M> {
  msg: M;
  blobs: Uint8Array[];
  bytes: number;
}

/** How many blobs each message type carries; anything else is a protocol error. */
function expectedBlobs(msg: NodeMessage | CoordinatorMessage): number {
  switch (msg.type) {
    case 'keys.public':
    case 'keys.share':
    case 'keys.galois':
    case 'train.partial':
    case 'train.sum':
    case 'train.residual':
    case 'psi.blinded':
    case 'psi.assign':
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
    default:
      return 0;
  }
}

/** Blobs whose size the message fixes: blinded points are 32 bytes each, slot pairs 8. */
function checkBlobSizes(msg: NodeMessage | CoordinatorMessage, blobs: readonly Uint8Array[]): void {
  const sizes: number[] =
    msg.type === 'psi.blinded'
      ? [32 * msg.count]
      : msg.type === 'psi.reply'
        ? [32 * msg.count, 32 * msg.ownCount]
        : msg.type === 'psi.assign'
          ? [8 * msg.pairs]
          : [];
  sizes.forEach((size, i) => {
    if (blobs[i]?.length !== size)
      throw new FedError('PROTO_ERR_INVALID', `message ${msg.type}: blob ${i + 1} has ${blobs[i]?.length} bytes, its header implies ${size}`);
  });
}

/** Distributes Omit over a union so each member keeps its own fields. */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type Outgoing<M> = DistributiveOmit<M, 'v'>;

export function encodeFrame<M extends NodeMessage | CoordinatorMessage>(msg: Outgoing<M>, blobs: readonly Uint8Array[] = []): Uint8Array {
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
  if (typeof raw === 'string') return { header: parseJson(raw), blobs: [], bytes: Buffer.byteLength(raw) };
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

function decodeWith<M extends NodeMessage | CoordinatorMessage>(raw: unknown, schema: z.ZodType<M>): Frame<M> {
  const { header, blobs, bytes } = splitFrame(raw);
  const v = (header as { v?: unknown } | null)?.v;
  if (typeof header !== 'object' || header === null) throw new FedError('PROTO_ERR_INVALID', 'frame header must be a JSON object');
  if (v !== PROTOCOL_VERSION) {
    throw new FedError('PROTO_ERR_VERSION', `protocol version ${JSON.stringify(v)} is not supported (this peer speaks ${PROTOCOL_VERSION})`);
  }
  const parsed = schema.safeParse(header);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : '(message)';
    throw new FedError('PROTO_ERR_INVALID', `invalid message at ${where}: ${issue?.message ?? 'schema mismatch'}`, {
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

export function errorMessage(err: FedError, jobId?: string): { type: 'error'; jobId?: string; error: WireError } {
  return jobId === undefined ? { type: 'error', error: err.toWire() } : { type: 'error', jobId, error: err.toWire() };
}

export function wireToError(wire: { code: string; message: string; details?: Record<string, unknown> | undefined }): FedError {
  return FedError.fromWire({ code: wire.code as ErrorCode, message: wire.message, details: wire.details });
}

/**
 * What a message tells its receiver, by kind. The knowledge ledger adds these
 * up from the frames actually received, so it cannot drift from the protocol.
 */
export const KNOWLEDGE_KINDS = [
  'businessIds',
  'publicKeys',
  'publicKeyShares',
  'evaluationKeys',
  'maskedValues',
  'trainingLoss',
  'blindedIds',
  'alignmentSlots',
  'ciphertexts',
  'sealedDecryptionShares',
  'plaintextValues',
  'secretKeys',
  'credentials',
  'control',
] as const;
export type KnowledgeKind = (typeof KNOWLEDGE_KINDS)[number];
export type KnowledgeCounts = Record<KnowledgeKind, number>;

export function emptyKnowledge(): KnowledgeCounts {
  return Object.fromEntries(KNOWLEDGE_KINDS.map((k) => [k, 0])) as KnowledgeCounts;
}

export function knowledgeOf(msg: NodeMessage | CoordinatorMessage, blobs: readonly Uint8Array[]): Partial<KnowledgeCounts> {
  switch (msg.type) {
    case 'hello':
      return { credentials: 1 };
    case 'keys.public':
      return { publicKeys: blobs.length };
    case 'keys.share':
      return { publicKeyShares: blobs.length };
    case 'query.ids':
      return { businessIds: msg.ids.length };
    case 'scores.partial':
    case 'scores.sum':
    case 'scores.input':
      return { ciphertexts: blobs.length };
    case 'decrypt.share':
      return { sealedDecryptionShares: blobs.length };
    case 'keys.galois':
      return { evaluationKeys: blobs.length };
    case 'train.partial':
    case 'train.sum':
    case 'train.residual':
    case 'train.gradient':
      return { ciphertexts: blobs.length };
    case 'train.unmask':
      return { maskedValues: msg.values.length };
    case 'train.epoch':
      return { trainingLoss: 1 };
    case 'psi.blinded':
      return { blindedIds: msg.count };
    case 'psi.reply':
      return { blindedIds: msg.count + msg.ownCount };
    case 'psi.assign':
      return { alignmentSlots: msg.pairs };
    default:
      return { control: 1 };
  }
}
