/**
 * A participant's audit trail: an append-only JSON-lines file, one entry per
 * data use and protocol step. Each entry holds the hash of the one before it
 * (a chain from a fixed genesis) and is signed with the participant's
 * identity key, so an edited, deleted or reordered line breaks the chain or a
 * signature. Entries carry counts, names and digests, never a record's value
 * or id: `messageFacts` keeps only a message's numbers, the lengths of its
 * lists and a few public names.
 */

import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { signFields, verifyFields } from '../crypto/channel.ts';
import { FedError } from '../util/errors.ts';

/** The `prev` of a trail's first entry. */
export const AUDIT_GENESIS = '0'.repeat(64);
const hex64 = z.string().regex(/^[0-9a-f]{64}$/);

export const auditEntrySchema = z
  .object({
    seq: z.number().int().min(0),
    at: z.string().max(40),
    participant: z.string().max(64),
    job: z.string().max(64),
    /** what happened: message.sent, message.received, data.ask, data.answer, data.use, heads, ... */
    event: z.string().max(64),
    data: z.record(z.string(), z.unknown()),
    prev: hex64,
    hash: hex64,
    sig: z.string().max(128),
  })
  .strict();
export type AuditEntry = z.infer<typeof auditEntrySchema>;

/** Where a trail stands: its last entry's number and hash (seq -1 and the genesis when it is empty). */
export interface AuditHead {
  seq: number;
  hash: string;
}

/** A head as a participant signs it for the others to countersign. */
export interface SignedHead extends AuditHead {
  participant: string;
  signature: string;
}

/** The text an entry's hash covers: every field but the hash and the signature, in this order. */
export function auditBody(e: Omit<AuditEntry, 'hash' | 'sig'>): string {
  return JSON.stringify({ seq: e.seq, at: e.at, participant: e.participant, job: e.job, event: e.event, data: e.data, prev: e.prev });
}

export function auditHash(body: string): string {
  return createHash('sha256').update(body).digest('hex');
}

const entryFields = (hash: string) => ['fedrisk/audit/v1', hash];
const headFields = (job: string, h: { participant: string; seq: number; hash: string }) => ['fedrisk/audit-head/v1', job, h.participant, String(h.seq), h.hash];
const headsFields = (job: string, heads: readonly { participant: string; seq: number; hash: string }[]) => [
  'fedrisk/audit-heads/v1',
  job,
  ...[...heads].sort((a, b) => (a.participant < b.participant ? -1 : 1)).flatMap((h) => [h.participant, String(h.seq), h.hash]),
];

export function verifyEntrySignature(publicKey: string, e: Pick<AuditEntry, 'hash' | 'sig'>): boolean {
  return verifyFields(publicKey, entryFields(e.hash), e.sig);
}

export function signHead(identityKey: string, job: string, participant: string, head: AuditHead): SignedHead {
  return { participant, ...head, signature: signFields(identityKey, headFields(job, { participant, ...head })) };
}

export function verifyHead(publicKey: string, job: string, h: SignedHead): boolean {
  return verifyFields(publicKey, headFields(job, h), h.signature);
}

/** A countersignature: one participant's signature over every participant's head at the end of a job. */
export function countersign(identityKey: string, job: string, heads: readonly SignedHead[]): string {
  return signFields(identityKey, headsFields(job, heads));
}

export function verifyCountersignature(publicKey: string, job: string, heads: readonly SignedHead[], signature: string): boolean {
  return verifyFields(publicKey, headsFields(job, heads), signature);
}

/** String fields of a message that name public things (who, what kind); every other string is left out. */
const PUBLIC_STRINGS = new Set(['to', 'from', 'party', 'role', 'kind', 'keys', 'alignment', 'recipient', 'purpose', 'psiHash']);
const blobDigests = new WeakMap<Uint8Array, string>();

/** SHA-256 over a message's blobs (each length-prefixed); the same blob relayed is hashed once per process. */
export function blobsDigest(blobs: readonly Uint8Array[]): string {
  if (!blobs.length) return '';
  const h = createHash('sha256');
  for (const b of blobs) {
    let d = blobDigests.get(b);
    if (!d) {
      d = createHash('sha256').update(b).digest('hex');
      blobDigests.set(b, d);
    }
    h.update(d);
  }
  return h.digest('hex');
}

/** What a message is, for the trail: its type, its numbers, the lengths of its lists, public names, a digest of its blobs. */
export function messageFacts(msg: { type: string } & Record<string, unknown>, blobs: readonly Uint8Array[]): Record<string, unknown> {
  const facts: Record<string, unknown> = { type: msg.type };
  for (const [k, v] of Object.entries(msg)) {
    if (k === 'type' || k === 'v' || k === 'jobId') continue;
    // numbers on the wire are counts and positions, except a value the protocol reveals to its receiver (single-holder loss)
    if (k === 'loss') facts.loss = 'withheld';
    else if (typeof v === 'number' || typeof v === 'boolean') facts[k] = v;
    else if (Array.isArray(v)) facts[`${k}Count`] = v.length;
    else if (typeof v === 'string' && PUBLIC_STRINGS.has(k)) facts[k] = v;
    else if (k === 'error' && v && typeof v === 'object' && 'code' in v) facts.error = (v as { code: unknown }).code;
  }
  if (blobs.length) {
    facts.blobs = blobs.length;
    facts.bytes = blobs.reduce((n, b) => n + b.length, 0);
    facts.digest = blobsDigest(blobs);
  }
  return facts;
}

export interface AuditTrailOptions {
  file: string;
  participant: string;
  job: string;
  /** the participant's own Ed25519 identity secret key (base64) */
  identityKey: string;
  /** the time an entry is stamped with */
  now: () => Date;
}

/**
 * The writer of one participant's trail. The file is opened for appending
 * only, owner-only; each entry is written (synchronously) before `append`
 * returns, so what the trail says happened had been recorded when it did.
 */
export class AuditTrail {
  readonly participant: string;
  readonly job: string;
  readonly #o: AuditTrailOptions;
  #fd: number | undefined;
  #head: AuditHead = { seq: -1, hash: AUDIT_GENESIS };
  #entries = 0;

  constructor(o: AuditTrailOptions) {
    this.#o = o;
    this.participant = o.participant;
    this.job = o.job;
    try {
      mkdirSync(dirname(o.file), { recursive: true, mode: 0o700 });
      // a trail that exists already (the same job run again) goes on from its last entry: append-only, never rewritten
      const last = existsSync(o.file) ? readFileSync(o.file, 'utf8').trimEnd().split('\n').at(-1) : undefined;
      if (last) {
        const e = auditEntrySchema.parse(JSON.parse(last));
        this.#head = { seq: e.seq, hash: e.hash };
      }
      this.#fd = openSync(o.file, 'a', 0o600);
    } catch (cause) {
      throw new FedError('CONFIG_ERR_INVALID', `cannot continue the audit trail ${o.file}: ${(cause as Error).message}`, { cause });
    }
  }

  get head(): AuditHead {
    return { ...this.#head };
  }

  get entries(): number {
    return this.#entries;
  }

  append(event: string, data: Record<string, unknown>): AuditHead {
    if (this.#fd === undefined) return this.head; // closed: a late event after the job is not recorded
    const seq = this.#head.seq + 1;
    const body = { seq, at: this.#o.now().toISOString(), participant: this.participant, job: this.job, event, data, prev: this.#head.hash };
    const hash = auditHash(auditBody(body));
    const sig = signFields(this.#o.identityKey, entryFields(hash));
    writeSync(this.#fd, `${JSON.stringify({ ...body, hash, sig })}\n`);
    this.#head = { seq, hash };
    this.#entries++;
    return this.head;
  }

  /** this participant's head, signed, for the others to countersign */
  signedHead(): SignedHead {
    return signHead(this.#o.identityKey, this.job, this.participant, this.#head);
  }

  countersign(heads: readonly SignedHead[]): string {
    return countersign(this.#o.identityKey, this.job, heads);
  }

  /** idempotent */
  close(): void {
    if (this.#fd === undefined) return;
    closeSync(this.#fd);
    this.#fd = undefined;
  }
}
