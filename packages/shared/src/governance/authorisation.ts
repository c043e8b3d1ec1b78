/**
 * A business's authorisation of one use of its data: it names the bank that
 * may ask, the purpose, the data sources the bank may ask and an expiry, and
 * is signed with the business's own Ed25519 key. The bank keeps the
 * authorisations its applicants gave it (a file); each holder knows the keys
 * its own customers registered with it (a file), so it can check an
 * authorisation for its own customer and for no one else. On the wire an
 * authorisation is 72 bytes: expiry day, sources as a bit mask over the job's
 * parties, signature (all zero: none).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import sodium from 'sodium-native';
import { z } from 'zod';
import { signFields, verifyFields } from '../crypto/channel.ts';
import { parseCsv } from '../data/csv.ts';
import { FedError } from '../util/errors.ts';

/** The purpose of a scoring job, as a business authorises it. */
export const CREDIT_ASSESSMENT = 'credit assessment';
export const GRANT_BYTES = 72;
const DAY_MS = 86_400_000;

export interface Authorisation {
  business: string;
  bank: string;
  purpose: string;
  /** the parties the bank may ask about this business */
  sources: string[];
  /** last valid day, in days since 1970-01-01 (UTC) */
  expiresDay: number;
  /** Ed25519 signature by the business's key, base64 */
  signature: string;
}

/** Why a holder does or does not contribute a record. */
export type AuthorisationVerdict = 'valid' | 'missing' | 'no-key' | 'signature' | 'expired' | 'purpose' | 'source';

export const dayOf = (d: Date): number => Math.floor(d.getTime() / DAY_MS);

const fieldsOf = (a: Omit<Authorisation, 'signature'>) => [
  'fedrisk/authorisation/v1',
  a.business,
  a.bank,
  a.purpose,
  [...a.sources].sort().join(','),
  String(a.expiresDay),
];

export function signAuthorisation(businessKey: string, a: Omit<Authorisation, 'signature'>): Authorisation {
  return { ...a, signature: signFields(businessKey, fieldsOf(a)) };
}

/**
 * Signatures a holder has verified during a run: a digest of the key, every
 * signed field and the signature, so a remembered check covers exactly that
 * authorisation and nothing altered.
 */
export interface VerifiedSignatures {
  readonly known: Set<string>;
  verified: number;
  remembered: number;
}

export const verifiedSignaturesFileSchema = z
  .object({ version: z.literal(1), party: z.string().min(1), digests: z.array(z.string().regex(/^[0-9a-f]{64}$/)) })
  .strict();

function signatureDigest(businessKey: string, a: Authorisation): string {
  return createHash('sha256')
    .update(JSON.stringify([businessKey, fieldsOf(a), a.signature]))
    .digest('hex');
}

/** A holder's check of one authorisation for its own customer; with `memo`, a signature verified earlier in the run is not verified again. */
export function checkAuthorisation(
  a: Authorisation | undefined,
  o: { businessKey: string | undefined; bank: string; purpose: string; holder: string; today: number; memo?: VerifiedSignatures | undefined },
): AuthorisationVerdict {
  if (!a) return 'missing';
  if (!o.businessKey) return 'no-key';
  if (a.bank !== o.bank || a.purpose !== o.purpose) return 'signature';
  const digest = o.memo ? signatureDigest(o.businessKey, a) : '';
  if (o.memo?.known.has(digest)) o.memo.remembered++;
  else if (!verifyFields(o.businessKey, fieldsOf(a), a.signature)) return 'signature';
  else if (o.memo) {
    o.memo.verified++;
    o.memo.known.add(digest);
  }
  if (a.expiresDay < o.today) return 'expired';
  if (!a.sources.includes(o.holder)) return 'source';
  return 'valid';
}

/** Authorisations to the wire: one 72-byte grant each (an absent one all zero), padded with zero grants to `padTo`. */
export function encodeGrants(grants: readonly (Authorisation | undefined)[], parties: readonly string[], padTo = grants.length): Uint8Array {
  const out = Buffer.alloc(GRANT_BYTES * Math.max(padTo, grants.length));
  grants.forEach((a, i) => {
    if (!a) return;
    let mask = 0;
    for (const s of a.sources) {
      const bit = parties.indexOf(s);
      if (bit < 0 || bit > 31) throw new FedError('DATA_ERR_AUTHORISATIONS', `an authorisation names ${s}, which is not a party of this job`);
      mask |= 1 << bit;
    }
    out.writeUInt32BE(a.expiresDay, i * GRANT_BYTES);
    out.writeUInt32BE(mask >>> 0, i * GRANT_BYTES + 4);
    Buffer.from(a.signature, 'base64').copy(out, i * GRANT_BYTES + 8);
  });
  return out;
}

/** One grant back into an authorisation for `business` (the holder's own customer), or undefined if it is all zero. */
export function decodeGrant(
  bytes: Uint8Array,
  i: number,
  o: { business: string; bank: string; purpose: string; parties: readonly string[] },
): Authorisation | undefined {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset + i * GRANT_BYTES, GRANT_BYTES);
  const signature = b.subarray(8);
  if (signature.every((x) => x === 0)) return undefined;
  const mask = b.readUInt32BE(4);
  return {
    business: o.business,
    bank: o.bank,
    purpose: o.purpose,
    sources: o.parties.filter((_, bit) => bit < 32 && (mask >>> bit) & 1),
    expiresDay: b.readUInt32BE(0),
    signature: Buffer.from(signature).toString('base64'),
  };
}

/** A short pseudonym of an authorisation (of its signature): lets a regulator count repeated uses without learning whose it is. */
export function authorisationToken(a: Authorisation): string {
  const out = Buffer.alloc(sodium.crypto_generichash_BYTES_MIN);
  sodium.crypto_generichash(out, Buffer.from(a.signature, 'base64'));
  return out.toString('hex');
}

const AUTH_HEADER = ['business_id', 'bank', 'purpose', 'sources', 'expires_day', 'signature'];
const KEYS_HEADER = ['business_id', 'public_key'];

export function authorisationsCsv(list: readonly Authorisation[]): string {
  const lines = [AUTH_HEADER.join(',')];
  for (const a of list) lines.push([a.business, a.bank, a.purpose, a.sources.join(';'), a.expiresDay, a.signature].join(','));
  return `${lines.join('\n')}\n`;
}

export function businessKeysCsv(keys: Iterable<[string, string]>): string {
  const lines = [KEYS_HEADER.join(',')];
  for (const [id, key] of keys) lines.push(`${id},${key}`);
  return `${lines.join('\n')}\n`;
}

async function rowsOf(path: string, header: readonly string[], what: string) {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new FedError('DATA_ERR_AUTHORISATIONS', `cannot read the ${what} ${path}: ${(cause as Error).message}`, { cause });
  }
  const rows = parseCsv(text, path);
  if (rows[0]?.cells.join(',') !== header.join(',')) throw new FedError('DATA_ERR_AUTHORISATIONS', `${path} line 1: expected the header ${header.join(',')}`);
  return rows.slice(1);
}

/** The bank's authorisations, by business. */
export async function readAuthorisations(path: string): Promise<Map<string, Authorisation>> {
  const out = new Map<string, Authorisation>();
  for (const { line, cells } of await rowsOf(path, AUTH_HEADER, 'authorisations')) {
    const [business, bank, purpose, sources, day, signature] = cells;
    const expiresDay = Number(day);
    if (
      cells.length !== AUTH_HEADER.length ||
      !business ||
      !bank ||
      !purpose ||
      !Number.isInteger(expiresDay) ||
      Buffer.from(signature ?? '', 'base64').length !== 64
    )
      throw new FedError('DATA_ERR_AUTHORISATIONS', `${path} line ${line}: expected ${AUTH_HEADER.join(',')} with a whole expiry day and a 64-byte signature`);
    out.set(business, { business, bank, purpose, sources: (sources ?? '').split(';').filter(Boolean), expiresDay, signature: signature as string });
  }
  return out;
}

/** A holder's register of its own customers' keys. */
export async function readBusinessKeys(path: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const { line, cells } of await rowsOf(path, KEYS_HEADER, 'business keys')) {
    const [id, key] = cells;
    if (cells.length !== 2 || !id || Buffer.from(key ?? '', 'base64').length !== 32)
      throw new FedError('DATA_ERR_AUTHORISATIONS', `${path} line ${line}: expected business_id,public_key with a 32-byte key`);
    out.set(id, key as string);
  }
  return out;
}

/** A business's key pair from a 32-byte seed (the simulation derives each business's seed, so its files are the same run after run). */
export function businessKeyPair(seed: Uint8Array): { publicKey: string; privateKey: string } {
  const pk = Buffer.alloc(sodium.crypto_sign_PUBLICKEYBYTES);
  const sk = Buffer.alloc(sodium.crypto_sign_SECRETKEYBYTES);
  sodium.crypto_sign_seed_keypair(pk, sk, Buffer.from(seed.buffer, seed.byteOffset, seed.byteLength));
  return { publicKey: pk.toString('base64'), privateKey: sk.toString('base64') };
}
