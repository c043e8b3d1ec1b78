/**
 * A party's identity key, made by the party itself: the secret half stays in
 * its own file (owner-only); only the public half (`<file>.pub`) is handed
 * to the others, out of band, to build their rosters. This module loads
 * nothing but libsodium, so `node --keygen` (one process per participant,
 * before a run's first job) starts in tens of milliseconds instead of loading
 * the whole shared package; the key is the same Ed25519 pair as shared's
 * createIdentity makes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import sodium from 'sodium-native';

/** A new file only: making a key again over an existing one would lose the party's identity. */
function writeOwnerOnly(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  try {
    writeFileSync(path, text, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as { code?: string }).code === 'EEXIST') throw new Error(`${path} already exists: move it away first (it may hold this party's identity)`);
    throw err;
  }
}

/** Makes a fresh identity key in `file` and its public half in `file.pub`; returns the public key. */
export function makeIdentity(file: string): string {
  const pk = Buffer.alloc(sodium.crypto_sign_PUBLICKEYBYTES);
  const sk = sodium.sodium_malloc(sodium.crypto_sign_SECRETKEYBYTES);
  sodium.crypto_sign_keypair(pk, sk);
  writeOwnerOnly(file, `${Buffer.from(sk).toString('base64')}\n`);
  sodium.sodium_memzero(sk);
  const publicKey = pk.toString('base64');
  writeOwnerOnly(`${file}.pub`, `${publicKey}\n`);
  return publicKey;
}
