/**
 * Party-to-party protection over a relay that must not read or forge:
 * Ed25519 identity keys (distributed out of band, like credentials) sign what
 * a party publishes; X25519 key agreement with HKDF and AES-256-GCM seals
 * decryption shares end to end, so the coordinator relaying them cannot
 * combine them.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  type KeyObject,
  randomBytes,
  sign,
  verify,
} from 'node:crypto';
import { FedError } from '../util/errors.ts';
import type { KeyMaterialLog } from './custody.ts';

export interface IdentityKeys {
  /** base64 SPKI DER */
  publicKey: string;
  /** base64 PKCS#8 DER: stays with its party */
  privateKey: string;
}

export function createIdentity(): IdentityKeys {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return {
    publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
    privateKey: privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64'),
  };
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
  const key = createPrivateKey({ key: Buffer.from(privateKeyB64, 'base64'), format: 'der', type: 'pkcs8' });
  return sign(null, digestOf(parts), key).toString('base64');
}

export function verifyFields(publicKeyB64: string, parts: readonly (string | Uint8Array)[], signatureB64: string): boolean {
  try {
    const key = createPublicKey({ key: Buffer.from(publicKeyB64, 'base64'), format: 'der', type: 'spki' });
    return verify(null, digestOf(parts), key, Buffer.from(signatureB64, 'base64'));
  } catch {
    return false;
  }
}

export interface EphemeralKey {
  /** raw 32-byte X25519 public key, base64 */
  publicKey: string;
  readonly privateKey: KeyObject;
}

export function createEphemeral(custody?: KeyMaterialLog): EphemeralKey {
  custody?.hold('sealingKey');
  const { publicKey, privateKey } = generateKeyPairSync('x25519');
  const raw = publicKey.export({ type: 'spki', format: 'der' }).subarray(-32);
  return { publicKey: raw.toString('base64'), privateKey };
}

const X25519_SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');

function channelKey(own: EphemeralKey, peerPublicB64: string, context: string): Buffer {
  const raw = Buffer.from(peerPublicB64, 'base64');
  if (raw.length !== 32) throw new FedError('CRYPTO_ERR_SIGNATURE', 'an X25519 public key must be 32 bytes');
  const peer = createPublicKey({ key: Buffer.concat([X25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
  const secret = diffieHellman({ privateKey: own.privateKey, publicKey: peer });
  return Buffer.from(hkdfSync('sha256', secret, Buffer.from(context, 'utf8'), Buffer.from('fedrisk decryption share v1', 'utf8'), 32));
}

/** Seals bytes for one peer: [12-byte IV][ciphertext][16-byte tag]; `aad` binds job, sender, receiver and index. */
export function sealFor(own: EphemeralKey, peerPublicB64: string, context: string, aad: string, plain: Uint8Array): Uint8Array {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', channelKey(own, peerPublicB64, context), iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return new Uint8Array(Buffer.concat([iv, body, cipher.getAuthTag()]));
}

export function openFrom(own: EphemeralKey, peerPublicB64: string, context: string, aad: string, sealed: Uint8Array): Uint8Array {
  if (sealed.length < 28) throw new FedError('CRYPTO_ERR_SIGNATURE', 'a sealed share is too short');
  const buf = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  try {
    const decipher = createDecipheriv('aes-256-gcm', channelKey(own, peerPublicB64, context), buf.subarray(0, 12));
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(buf.subarray(buf.length - 16));
    return new Uint8Array(Buffer.concat([decipher.update(buf.subarray(12, buf.length - 16)), decipher.final()]));
  } catch (cause) {
    throw new FedError('CRYPTO_ERR_SIGNATURE', `a sealed share does not open (${aad}): it was altered or not meant for this party`, { cause });
  }
}
