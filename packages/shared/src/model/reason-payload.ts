/**
 * What the reasons step seals, as bytes. Both messages are padded to the
 * job's number of slots, so the relay learns neither how many applicants were
 * rejected nor how many of them a holder knows.
 *
 *   request (recipient -> holder): u32 count, u32 codes wanted, then `slots` u32: the requested slots, ascending, then zeros
 *   reply   (holder -> recipient): u32 header length, header JSON {k, width, codes}, u32 rows, then `slots` rows of
 *           u32 slot and k x (u8 index into codes, u8 band), then zeros; index 255: no code
 *
 * The header lists every code the holder could send (its model's columns, each
 * direction), so its size says nothing about any applicant. A decoded reply
 * holds codes and bands only: the header's schema is strict, so a holder
 * cannot slip in a value.
 */
import { z } from 'zod';
import { FedError, formatZodIssues } from '../util/errors.ts';
import { isReasonCode } from './reason-codes.ts';
import { MAX_BAND, NO_COST_BAND } from './reasons.ts';

/** Most codes one party may send per applicant. */
export const MAX_REASON_CODES = 16;
const NO_CODE = 255;

export function encodeReasonRequest(slots: readonly number[], want: number, capacity: number): Uint8Array {
  const words = new Uint32Array(2 + capacity);
  words[0] = slots.length;
  words[1] = want;
  words.set(slots, 2);
  return new Uint8Array(words.buffer);
}

/** The requested slots and how many codes the recipient wants for each; anything out of shape is JOB_ERR_REASONS. */
export function decodeReasonRequest(bytes: Uint8Array, capacity: number, from: string): { slots: Uint32Array; want: number } {
  const bad = (why: string) => new FedError('JOB_ERR_REASONS', `${from}'s request for reasons ${why}`, { details: { from } });
  if (bytes.length !== 4 * (2 + capacity)) throw bad(`has ${bytes.length} bytes; a job of ${capacity} slots needs ${4 * (2 + capacity)}`);
  const words = new Uint32Array(bytes.slice().buffer);
  const count = words[0] as number;
  const want = words[1] as number;
  if (count > capacity) throw bad(`names ${count} slots; the job has ${capacity}`);
  if (want < 1 || want > MAX_REASON_CODES) throw bad(`asks for ${want} codes per applicant (1 to ${MAX_REASON_CODES})`);
  const slots = words.slice(2, 2 + count);
  for (let i = 0; i < count; i++)
    if ((slots[i] as number) >= capacity || (i > 0 && (slots[i] as number) <= (slots[i - 1] as number))) throw bad('lists slots out of range or out of order');
  return { slots, want };
}

const directionSchema = z.enum(['high', 'low', 'category']);
export const reasonHeaderSchema = z
  .object({
    k: z.number().int().min(1).max(MAX_REASON_CODES),
    width: z.number().positive().max(1000),
    codes: z
      .array(
        z
          .object({
            code: z.string().refine(isReasonCode, 'not a code of the reason table'),
            column: z.string().min(1).max(200),
            direction: directionSchema,
          })
          .strict(),
      )
      .min(1)
      .max(NO_CODE),
  })
  .strict();
export type ReasonHeader = z.infer<typeof reasonHeaderSchema>;

export interface ReasonRow {
  slot: number;
  /** index into the header's codes, and band; most costly first */
  items: { code: number; band: number }[];
}

export function encodeReasonReply(header: ReasonHeader, rows: readonly ReasonRow[], capacity: number): Uint8Array {
  const head = Buffer.from(JSON.stringify(reasonHeaderSchema.parse(header)), 'utf8');
  const rowBytes = 4 + 2 * header.k;
  const out = Buffer.alloc(4 + head.length + 4 + capacity * rowBytes);
  out.writeUInt32LE(head.length, 0);
  head.copy(out, 4);
  let at = 4 + head.length;
  out.writeUInt32LE(rows.length, at);
  at += 4;
  for (const row of rows) {
    out.writeUInt32LE(row.slot, at);
    for (let j = 0; j < header.k; j++) {
      const item = row.items[j];
      out[at + 4 + 2 * j] = item ? item.code : NO_CODE;
      out[at + 5 + 2 * j] = item ? item.band : 0;
    }
    at += rowBytes;
  }
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/**
 * A holder's reply, checked against what was asked: one row per requested
 * slot at most, no slot twice, at most `want` codes, each code once, each
 * band a band; anything else is JOB_ERR_REASONS naming the holder.
 */
export function decodeReasonReply(
  bytes: Uint8Array,
  requested: ReadonlySet<number>,
  want: number,
  capacity: number,
  from: string,
): { header: ReasonHeader; rows: ReasonRow[] } {
  const bad = (why: string) => new FedError('JOB_ERR_REASONS', `${from}'s reasons ${why}`, { details: { from } });
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 8) throw bad('are too short');
  const headLen = buf.readUInt32LE(0);
  if (headLen > buf.length - 8) throw bad('have a header longer than the message');
  let raw: unknown;
  try {
    raw = JSON.parse(buf.subarray(4, 4 + headLen).toString('utf8'));
  } catch (cause) {
    throw new FedError('JOB_ERR_REASONS', `${from}'s reasons have a header that is not JSON`, { cause, details: { from } });
  }
  const parsed = reasonHeaderSchema.safeParse(raw);
  if (!parsed.success) throw bad(`have an invalid header: ${formatZodIssues(parsed.error)}`);
  const header = parsed.data;
  if (header.k > want) throw bad(`carry ${header.k} codes per applicant; ${want} were asked for`);
  const rowBytes = 4 + 2 * header.k;
  if (buf.length !== 4 + headLen + 4 + capacity * rowBytes)
    throw bad(`have ${buf.length} bytes; their header implies ${4 + headLen + 4 + capacity * rowBytes}`);
  let at = 4 + headLen;
  const count = buf.readUInt32LE(at);
  at += 4;
  if (count > requested.size) throw bad(`answer for ${count} applicants; ${requested.size} were asked about`);
  const seen = new Set<number>();
  const rows: ReasonRow[] = [];
  for (let r = 0; r < count; r++, at += rowBytes) {
    const slot = buf.readUInt32LE(at);
    if (!requested.has(slot) || seen.has(slot)) throw bad(`answer for slot ${slot}, which was not asked about (or twice)`);
    seen.add(slot);
    const items: ReasonRow['items'] = [];
    for (let j = 0; j < header.k; j++) {
      const code = buf[at + 4 + 2 * j] as number;
      const band = buf[at + 5 + 2 * j] as number;
      if (code === NO_CODE) continue;
      // k is a handful: a scan of this row's items, not a set per row (tens of thousands of rows)
      if (code >= header.codes.length || items.some((it) => it.code === code)) throw bad(`for slot ${slot} name a code outside their header, or one twice`);
      if (band > MAX_BAND && band !== NO_COST_BAND) throw bad(`for slot ${slot} carry band ${band}`);
      items.push({ code, band });
    }
    rows.push({ slot, items });
  }
  return { header, rows };
}
