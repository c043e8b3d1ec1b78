/**
 * Party-to-party protection over a relay that must not read or forge, all
 * from libsodium (sodium-native, a well-kept binding):
 *  - identity keys (Ed25519) sign what a party publishes; each party makes
 *    its own and hands out only the public half;
 *  - sealed boxes (X25519 + XSalsa20-Poly1305, `crypto_box_seal`) carry a
 *    message to one party only: decryption shares to the recipient, PSI slot
 *    assignments to a holder. A sealed box does not say who sealed it, so the
 *    message that carries it is signed by its sender;
 *  - commitments (SHA-256 over length-prefixed fields and a random nonce) let
 *    a party fix its key share or input before it sees anyone else's.
 */
import { createHash, randomBytes } from 'node:crypto';
import sodium from 'sodium-native';
import { FedError } from '../util/errors.ts';
import type { KeyMaterialLog } from './custody.ts';

export interface IdentityKeys {
  /** raw 32-byte Ed25519 public key, base64 */
  publicKey: string;
  /** raw 64-byte Ed25519 secret key, base64: stays with its party */
  privateKey: string;
}

export function createIdentity(): IdentityKeys {
  const pk = Buffer.alloc(sodium.crypto_sign_PUBLICKEYBYTES);
  const sk = Buffer.alloc(sodium.crypto_sign_SECRETKEYBYTES);
  sodium.crypto_sign_keypair(pk, sk);
  return { publicKey: pk.toString('base64'), privateKey: sk.toString('base64') };
}

/** The public half of an identity secret key (a party can always re-derive it). */
export function identityPublicKey(privateKeyB64: string): string {
  const sk = Buffer.from(privateKeyB64, 'base64');
  if (sk.length !== sodium.crypto_sign_SECRETKEYBYTES) throw new FedError('CRYPTO_ERR_SIGNATURE', 'an identity key must be 64 bytes');
  const pk = Buffer.alloc(sodium.crypto_sign_PUBLICKEYBYTES);
  sodium.crypto_sign_ed25519_sk_to_pk(pk, sk);
  return pk.toString('base64');
}

function digestOf(parts: readonly (string | Uint8Array)[]): Buffer {
  const h = createHash('sha256');
  for (const p of parts) {
    // length-prefix every part so no two different lists hash alike
    const bytes = typeof p === 'string' ? Buffer.from(p, 'utf8') : p;
    const len = Buffer.alloc(8);
    len.writeBigUInt64BE(BigInt(bytes.length));
    h.update(len).update(bytes);
  }
  return h.digest();
}

/** Signs a list of fields; blobs are hashed first, so the signature stays small. */
export function signFields(privateKeyB64: string, parts: readonly (string | Uint8Array)[]): string {
  const sig = Buffer.alloc(sodium.crypto_sign_BYTES);
  sodium.crypto_sign_detached(sig, digestOf(parts), Buffer.from(privateKeyB64, 'base64'));
  return sig.toString('base64');
}

export function verifyFields(publicKeyB64: string, parts: readonly (string | Uint8Array)[], signatureB64: string): boolean {
  const pk = Buffer.from(publicKeyB64, 'base64');
  const sig = Buffer.from(signatureB64, 'base64');
  if (pk.length !== sodium.crypto_sign_PUBLICKEYBYTES || sig.length !== sodium.crypto_sign_BYTES) return false;
  try {
    return sodium.crypto_sign_verify_detached(sig, digestOf(parts), pk);
  } catch {
    return false;
  }
}

/** A party's X25519 key pair for sealed boxes. */
export interface BoxKeys {
  /** raw 32-byte X25519 public key, base64 */
  publicKey: string;
  readonly secretKey: Buffer;
}

/** A fresh key pair for one job's sealed boxes. */
export function createBoxKeys(custody?: KeyMaterialLog): BoxKeys {
  custody?.hold('sealingKey');
  const pk = Buffer.alloc(sodium.crypto_box_PUBLICKEYBYTES);
  const sk = sodium.sodium_malloc(sodium.crypto_box_SECRETKEYBYTES);
  sodium.crypto_box_keypair(pk, sk);
  return { publicKey: pk.toString('base64'), secretKey: sk };
}

/** The X25519 keys that go with an identity: a party can be sealed to before it published anything else. */
export function identityBoxKeys(privateKeyB64: string): BoxKeys {
  const sk = Buffer.from(privateKeyB64, 'base64');
  const pk = Buffer.alloc(sodium.crypto_box_PUBLICKEYBYTES);
  const xsk = sodium.sodium_malloc(sodium.crypto_box_SECRETKEYBYTES);
  sodium.crypto_sign_ed25519_sk_to_curve25519(xsk, sk);
  sodium.crypto_sign_ed25519_pk_to_curve25519(pk, Buffer.from(identityPublicKey(privateKeyB64), 'base64'));
  return { publicKey: pk.toString('base64'), secretKey: xsk };
}

/** The X25519 public key that goes with an identity public key. */
export function identityBoxPublicKey(identityPublicKeyB64: string): string {
  const pk = Buffer.alloc(sodium.crypto_box_PUBLICKEYBYTES);
  try {
    sodium.crypto_sign_ed25519_pk_to_curve25519(pk, Buffer.from(identityPublicKeyB64, 'base64'));
  } catch (cause) {
    throw new FedError('CRYPTO_ERR_SIGNATURE', 'an identity public key is not a valid Ed25519 key', { cause });
  }
  return pk.toString('base64');
}

/** Seals bytes so only the holder of `peerPublicB64`'s secret can open them. */
export function sealTo(peerPublicB64: string, plain: Uint8Array): Uint8Array {
  const pk = Buffer.from(peerPublicB64, 'base64');
  if (pk.length !== sodium.crypto_box_PUBLICKEYBYTES) throw new FedError('CRYPTO_ERR_SEALED', 'an X25519 public key must be 32 bytes');
  const out = Buffer.alloc(plain.length + sodium.crypto_box_SEALBYTES);
  sodium.crypto_box_seal(out, Buffer.from(plain.buffer, plain.byteOffset, plain.byteLength), pk);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

export function openSealed(own: BoxKeys, sealed: Uint8Array, what: string): Uint8Array {
  if (sealed.length < sodium.crypto_box_SEALBYTES) throw new FedError('CRYPTO_ERR_SEALED', `${what} is too short to be sealed`);
  const out = Buffer.alloc(sealed.length - sodium.crypto_box_SEALBYTES);
  const ok = sodium.crypto_box_seal_open(
    out,
    Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength),
    Buffer.from(own.publicKey, 'base64'),
    own.secretKey,
  );
  if (!ok) throw new FedError('CRYPTO_ERR_SEALED', `${what} does not open: it was altered or not sealed for this party`);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** A fresh nonce for a commitment, base64. */
export function commitNonce(): string {
  return randomBytes(32).toString('base64');
}

/** A binding, hiding commitment to some fields: who commits to what is part of what is hashed, so a copy is worthless. */
export function commitTo(parts: readonly (string | Uint8Array)[], nonceB64: string): string {
  return digestOf(['fedrisk/commit/v1', ...parts, Buffer.from(nonceB64, 'base64')]).toString('hex');
}
