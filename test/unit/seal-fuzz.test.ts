/**
 * Issue 11, the SEAL side of fuzzing: the bytes of a ciphertext, a public key
 * and a threshold key share, mutated (wrong magic, a huge declared size, an
 * unknown compression mode or version, truncation, flipped bytes, random
 * bytes), go through the same loaders the parties use on what the wire
 * brings. Each is refused with a CRYPTO_ERR code or loads as a well-formed
 * object; none aborts the WebAssembly module, which still encrypts and
 * decrypts correctly afterwards.
 */
import {
  type CkksContext,
  type CkksParams,
  createCkksContext,
  createRng,
  createThresholdParty,
  crsSeed,
  encryptVector,
  FedError,
  generateKeyPair,
  type KeyPair,
  loadSeal,
  type Rng,
  type ThresholdParty,
} from '@fedrisk/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const PARAMS: CkksParams = { polyModulusDegree: 8192, coeffModulusBits: [60, 60, 60], scaleBits: 80, compression: 'none' };
const MUTATIONS = 600;

let ckks: CkksContext;
let keys: KeyPair;
let party: ThresholdParty;
let ciphertext: Uint8Array;

beforeAll(async () => {
  const seal = await loadSeal();
  ckks = createCkksContext(seal, PARAMS);
  keys = generateKeyPair(ckks);
  party = createThresholdParty(ckks, crsSeed('fuzz'));
  ciphertext = (await encryptVector(ckks, keys.publicKeyBytes, Float64Array.from([1.5, -2.25, 3])))[0] as Uint8Array;
});

afterAll(() => {
  party?.delete();
  keys?.delete();
  ckks?.delete();
});

function mutate(rng: Rng, valid: Uint8Array): { bytes: Uint8Array; how: string } {
  const b = Buffer.from(valid);
  switch (rng.int(0, 6)) {
    case 0:
      b.writeUInt16LE(rng.int(0, 0xffff), 0);
      return { bytes: b, how: 'magic' };
    case 1:
      b.writeBigUInt64LE(BigInt(rng.int(1, 2 ** 20)) * 2n ** 40n, 8);
      return { bytes: b, how: 'declared size' };
    case 2:
      b[7] = rng.int(1, 255);
      return { bytes: b, how: 'compression mode' };
    case 3:
      b[5] = rng.int(0, 255);
      b[6] = rng.int(0, 255);
      return { bytes: b, how: 'version' };
    case 4:
      return { bytes: b.subarray(0, rng.int(0, b.length - 1)), how: 'truncated' };
    case 5:
      for (let i = 0; i < 8; i++) b[rng.int(16, b.length - 1)] = rng.int(0, 255);
      return { bytes: b, how: 'flipped bytes' };
    default:
      return { bytes: Uint8Array.from({ length: rng.int(0, 4096) }, () => rng.int(0, 255)), how: 'random' };
  }
}

/** Runs a loader on mutated bytes; returns the codes of the refusals, and how many loaded. */
async function fuzz(valid: Uint8Array, seed: number, load: (bytes: Uint8Array) => unknown): Promise<{ codes: Set<string>; loaded: number }> {
  const rng = createRng(seed);
  const codes = new Set<string>();
  let loaded = 0;
  for (let i = 0; i < MUTATIONS; i++) {
    const { bytes, how } = mutate(rng, valid);
    try {
      await load(bytes);
      loaded++;
    } catch (err) {
      expect(err, `${how}: ${String(err)}`).toBeInstanceOf(FedError);
      codes.add((err as FedError).code);
    }
  }
  return { codes, loaded };
}

describe('mutated SEAL objects', () => {
  it('a ciphertext: refused with a CRYPTO_ERR code, or loaded as a valid one', async () => {
    const { codes } = await fuzz(ciphertext, 1, (bytes) => ckks.loadCiphertext(bytes, 'fuzzed ciphertext').delete());
    expect(
      [...codes].every((c) => c.startsWith('CRYPTO_ERR_')),
      [...codes].join(),
    ).toBe(true);
    expect(codes.size).toBeGreaterThan(0);
  });

  it('a public key, as a party encrypts under it', async () => {
    const { codes } = await fuzz(keys.publicKeyBytes, 2, (bytes) => encryptVector(ckks, bytes, Float64Array.from([1])));
    expect(
      [...codes].every((c) => c.startsWith('CRYPTO_ERR_')),
      [...codes].join(),
    ).toBe(true);
  });

  it('a threshold key share, as a party sums the shares into the collective key', async () => {
    const { codes } = await fuzz(party.shareBytes, 3, (bytes) => party.collectivePublicKey([party.shareBytes, bytes]));
    expect(
      [...codes].every((c) => c.startsWith('CRYPTO_ERR_')),
      [...codes].join(),
    ).toBe(true);
  });

  it('a ciphertext to decrypt a share of', async () => {
    const { codes } = await fuzz(ciphertext, 4, (bytes) => party.decryptionShare(bytes, 40));
    expect(
      [...codes].every((c) => c.startsWith('CRYPTO_ERR_')),
      [...codes].join(),
    ).toBe(true);
  });

  it('leaves SEAL working: the same key still encrypts and decrypts', async () => {
    const values = Float64Array.from([0.125, -7, 42]);
    const blobs = await encryptVector(ckks, keys.publicKeyBytes, values);
    const out = await keys.decrypt(blobs, values.length);
    for (let i = 0; i < values.length; i++) expect(out[i]).toBeCloseTo(values[i] as number, 6);
  });
});
