/**
 * CKKS helpers over node-seal. A SEAL module instance is passed in (loaded
 * once per process with loadSeal) and every SEAL object made here is deleted
 * here (WASM memory is not garbage collected), bar the contexts each instance
 * keeps for its next job.
 */

import type { Ciphertext, CKKSEncoder, MainModule, SEALContext } from 'node-seal';
import SEAL from 'node-seal';
import { asFedError, type ErrorCode, FedError } from '../util/errors.ts';
import type { CkksParams } from '../wire/params.ts';
import type { KeyMaterialLog } from './custody.ts';

export type SealModule = MainModule;

export async function loadSeal(): Promise<SealModule> {
  return SEAL();
}

/**
 * Safe default: 128-bit secure at N = 8192 (180 of 218 bits). The scale 2^80
 * leaves room for threshold decryption's smudging noise (2^54, see
 * thresholdNoise) with an error near 1e-6; the logits need no multiplication,
 * so one data level of two 60-bit primes is enough. Compression saves little
 * on 60-bit residues and costs time, so it is off.
 */
/** Training multiplies a ciphertext by plaintext columns once, so it needs one level to rescale: [60, 40, 40, 60] at 2^40. */
export const TRAINING_CKKS: CkksParams = { polyModulusDegree: 8192, coeffModulusBits: [60, 40, 40, 60], scaleBits: 40, compression: 'none' };

/**
 * Threshold training (no party holds the key): 218 of the 218 bits N = 8192
 * allows at 128-bit security. Inputs at 2^80; one multiplyPlain by columns
 * encoded at the last data prime's size (2^58) and one rescale bring the
 * gradient back to 2^80 over two 50-bit primes: about 19 bits above the scale
 * for batch sums, and room for smudging of 2^63 to 2^66 (training-noise.ts).
 */
export const THRESHOLD_TRAINING_CKKS: CkksParams = { polyModulusDegree: 8192, coeffModulusBits: [50, 50, 58, 60], scaleBits: 80, compression: 'none' };

export const DEFAULT_CKKS: CkksParams = { polyModulusDegree: 8192, coeffModulusBits: [60, 60, 60], scaleBits: 80, compression: 'none' };

/** SEAL's own 128-bit table (HomomorphicEncryption.org standard), as a fixed fallback for docs and tests. */
function maxCoeffBits128(seal: SealModule, n: number): number {
  return seal.CoeffModulus.MaxBitCount(n, seal.SecLevelType.tc128);
}

/** Refuses parameters below 128-bit security, or that SEAL cannot use, with a message that says why. */
export function checkCkksParams(seal: SealModule, p: CkksParams): void {
  const total = p.coeffModulusBits.reduce((s, b) => s + b, 0);
  const max = maxCoeffBits128(seal, p.polyModulusDegree);
  if (total > max) {
    throw new FedError(
      'CRYPTO_ERR_INSECURE_PARAMS',
      `CKKS parameters below 128-bit security: coefficient moduli total ${total} bits, but poly modulus degree ${p.polyModulusDegree} allows at most ${max} bits (raise polyModulusDegree or use fewer/smaller moduli)`,
      { details: { totalBits: total, maxBits: max, polyModulusDegree: p.polyModulusDegree } },
    );
  }
  const special = p.coeffModulusBits[p.coeffModulusBits.length - 1] as number;
  const dataBits = total - special;
  if (p.scaleBits + 10 > dataBits) {
    throw new FedError(
      'CRYPTO_ERR_INVALID_PARAMS',
      `scaleBits ${p.scaleBits} leaves fewer than 10 bits for the values: the data moduli (all but the last) total ${dataBits} bits`,
    );
  }
}

/** A CKKS context for one job: encoder, evaluator and the settings every party shares. */
export interface CkksContext {
  readonly seal: SealModule;
  readonly params: CkksParams;
  readonly context: SEALContext;
  readonly encoder: CKKSEncoder;
  readonly slots: number;
  readonly scale: number;
  saveCiphertext(ct: Ciphertext): Uint8Array;
  loadCiphertext(bytes: Uint8Array, what: string): Ciphertext;
  /** ends this handle's use; idempotent. The context itself stays with its SEAL instance, for the next job */
  delete(): void;
  [Symbol.dispose](): void;
}

/**
 * A SEAL context takes 40-60 ms per prime to build (N = 8192, in WASM), so
 * each SEAL instance keeps the contexts it built, one per parameter set,
 * shared by every handle made from it (participants that run in one process
 * share their SEAL instance) and kept while the instance lives: the next job
 * in the process reuses them. A job uses one or two parameter sets, so this
 * holds a few contexts (a few MB each) at most; they go with the instance.
 */
const built = new WeakMap<SealModule, Map<string, { context: SEALContext; encoder: CKKSEncoder }>>();

function buildContext(seal: SealModule, params: CkksParams): { context: SEALContext; encoder: CKKSEncoder } {
  const parms = new seal.EncryptionParameters(seal.SchemeType.ckks);
  let context: SEALContext;
  try {
    parms.setPolyModulusDegree(params.polyModulusDegree);
    const moduli = seal.CoeffModulus.Create(params.polyModulusDegree, Int32Array.from(params.coeffModulusBits));
    parms.setCoeffModulus(moduli);
    moduli.delete();
    context = new seal.SEALContext(parms, true, seal.SecLevelType.tc128);
  } catch (err) {
    throw asFedError(err, 'CRYPTO_ERR_INVALID_PARAMS', `SEAL rejected the CKKS parameters ${JSON.stringify(params)}`);
  } finally {
    parms.delete();
  }
  if (!context.parametersSet()) {
    context.delete();
    throw new FedError('CRYPTO_ERR_INVALID_PARAMS', `SEAL rejected the CKKS parameters ${JSON.stringify(params)} (no suitable primes, or not valid for CKKS)`);
  }
  return { context, encoder: new seal.CKKSEncoder(context) };
}

export function createCkksContext(seal: SealModule, params: CkksParams): CkksContext {
  checkCkksParams(seal, params);
  const key = JSON.stringify([params.polyModulusDegree, params.coeffModulusBits]);
  const cache = built.get(seal) ?? new Map<string, { context: SEALContext; encoder: CKKSEncoder }>();
  built.set(seal, cache);
  const entry = cache.get(key) ?? buildContext(seal, params);
  cache.set(key, entry);
  const { context, encoder } = entry;
  // the context and encoder belong to the instance's cache, not to the handle: nothing to free per handle
  const dispose = (): void => {};
  const compr = params.compression === 'zstd' ? seal.ComprModeType.zstd : seal.ComprModeType.none;
  return {
    seal,
    params,
    context,
    encoder,
    slots: encoder.slotCount(),
    scale: 2 ** params.scaleBits,
    saveCiphertext: (ct) => ct.saveToArray(compr) as Uint8Array,
    loadCiphertext: (bytes, what) => {
      const ct = new seal.Ciphertext();
      try {
        ct.loadFromArray(context, bytes);
        return ct;
      } catch (err) {
        ct.delete();
        throw sealFailure(seal, err, 'CRYPTO_ERR_BAD_CIPHERTEXT', `${what} is not a valid ciphertext for this job's parameters`);
      }
    },
    delete: dispose,
    [Symbol.dispose]: dispose,
  };
}

/** Turns a SEAL WASM exception into readable text. */
export function sealMessage(seal: SealModule, err: unknown): string {
  if (err instanceof Error) return err.message;
  try {
    const parts = (seal as unknown as { getExceptionMessage?: (e: unknown) => string[] }).getExceptionMessage?.(err);
    if (parts) return parts.join(': ');
  } catch {
    // fall through to String()
  }
  return String(err);
}

/** A failure inside SEAL calls as a coded error saying what was being done; a FedError thrown there already is kept as it is. */
export function sealFailure(seal: SealModule, err: unknown, code: ErrorCode, what: string): FedError {
  if (err instanceof FedError) return err;
  return new FedError(code, `${what}: ${sealMessage(seal, err)}`, { cause: err });
}

export interface LongCallOptions {
  signal?: AbortSignal | undefined;
  /** what is decrypted, for the ledger's breakdown (training: residual, maskedGradient) */
  what?: string | undefined;
  onProgress?: ((done: number, total: number) => void) | undefined;
}

/** Lets sockets, timers and aborts run between SEAL calls that each take milliseconds. */
const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new FedError('JOB_ERR_ABORTED', 'aborted', { cause: signal.reason });
}

/** The key holder's key pair. The secret key never leaves this object. */
export interface KeyPair {
  publicKeyBytes: Uint8Array;
  /** rotation keys for steps 1, 2, 4, ... (training only) */
  galoisKeysBytes?: Uint8Array;
  decrypt(blobs: readonly Uint8Array[], count: number, opts?: LongCallOptions): Promise<Float64Array>;
  /** frees the secret key; idempotent */
  delete(): void;
  [Symbol.dispose](): void;
}

/** Where a key object reports each decryption it makes: the knowledge ledger counts them all there. */
export interface DecryptionCounter {
  /** `what` names what was decrypted (training: a residual, an own gradient, the loss), for the ledger's breakdown */
  decrypted(values: number, what?: string): void;
}

export function generateKeyPair(ckks: CkksContext, opts: { rotations?: boolean; custody?: KeyMaterialLog; ledger?: DecryptionCounter } = {}): KeyPair {
  const { seal, context } = ckks;
  opts.custody?.hold('secretKey');
  opts.custody?.hold('publicKey');
  if (opts.rotations) opts.custody?.hold('rotationKeys');
  const keygen = new seal.KeyGenerator(context);
  const serializable = keygen.createPublicKeySerializable();
  const publicKeyBytes = serializable.saveToArray(seal.ComprModeType.zstd) as Uint8Array;
  serializable.delete();
  let galoisKeysBytes: Uint8Array | undefined;
  if (opts.rotations) {
    const steps: number[] = [];
    for (let step = 1; step < ckks.slots; step *= 2) steps.push(step);
    const galois = keygen.createGaloisKeysSerializableWithSteps(Int32Array.from(steps));
    galoisKeysBytes = galois.saveToArray(seal.ComprModeType.zstd) as Uint8Array;
    galois.delete();
  }
  const secretKey = keygen.secretKey();
  keygen.delete();
  const decryptor = new seal.Decryptor(context, secretKey);
  let deleted = false;
  const dispose = (): void => {
    if (deleted) return;
    deleted = true;
    decryptor.delete();
    secretKey.delete();
  };
  return {
    publicKeyBytes,
    ...(galoisKeysBytes ? { galoisKeysBytes } : {}),
    decrypt: async (blobs, count, callOpts = {}) => {
      const out = new Float64Array(count);
      const plain = new seal.Plaintext();
      try {
        for (let c = 0; c < blobs.length; c++) {
          throwIfAborted(callOpts.signal);
          const ct = ckks.loadCiphertext(blobs[c] as Uint8Array, `ciphertext ${c + 1} of ${blobs.length}`);
          let decoded: Float64Array;
          try {
            decryptor.decrypt(ct, plain);
            decoded = ckks.encoder.decodeFloat64(plain) as Float64Array;
          } catch (err) {
            throw sealFailure(seal, err, 'CRYPTO_ERR_SEAL', `cannot decrypt ciphertext ${c + 1} of ${blobs.length}`);
          } finally {
            ct.delete();
          }
          const start = c * ckks.slots;
          out.set(decoded.subarray(0, Math.min(ckks.slots, count - start)), start);
          callOpts.onProgress?.(c + 1, blobs.length);
          await yieldToLoop();
        }
      } finally {
        plain.delete();
      }
      opts.ledger?.decrypted(count, callOpts.what);
      return out;
    },
    delete: dispose,
    [Symbol.dispose]: dispose,
  };
}

export function chunkCount(ckks: CkksContext, count: number): number {
  return Math.ceil(count / ckks.slots);
}

/** Packs values into slots (thousands per ciphertext) and encrypts under a public key. */
export async function encryptVector(ckks: CkksContext, publicKeyBytes: Uint8Array, values: Float64Array, opts: LongCallOptions = {}): Promise<Uint8Array[]> {
  const { seal, context, encoder } = ckks;
  const pk = new seal.PublicKey();
  try {
    pk.loadFromArray(context, publicKeyBytes);
  } catch (err) {
    pk.delete();
    throw sealFailure(seal, err, 'CRYPTO_ERR_BAD_CIPHERTEXT', `the public key does not load under this job's parameters`);
  }
  const encryptor = new seal.Encryptor(context, pk);
  const plain = new seal.Plaintext();
  const ct = new seal.Ciphertext();
  const chunks = chunkCount(ckks, values.length);
  const blobs: Uint8Array[] = [];
  try {
    for (let c = 0; c < chunks; c++) {
      throwIfAborted(opts.signal);
      const slice = new Float64Array(ckks.slots);
      slice.set(values.subarray(c * ckks.slots, Math.min(values.length, (c + 1) * ckks.slots)));
      try {
        encoder.encode(slice, ckks.scale, plain);
        encryptor.encrypt(plain, ct);
      } catch (err) {
        throw sealFailure(seal, err, 'CRYPTO_ERR_SEAL', `cannot encrypt ciphertext ${c + 1} of ${chunks}`);
      }
      blobs.push(ckks.saveCiphertext(ct));
      opts.onProgress?.(c + 1, chunks);
      await yieldToLoop();
    }
  } finally {
    ct.delete();
    plain.delete();
    encryptor.delete();
    pk.delete();
  }
  return blobs;
}

/**
 * Adds ciphertext vectors slot-wise: result[c] = sum over inputs of input[c]. Needs no key.
 * `names` says whose each input is, so a bad ciphertext is reported by its sender.
 */
export async function sumCiphertexts(
  ckks: CkksContext,
  inputs: readonly (readonly Uint8Array[])[],
  opts: LongCallOptions & { names?: readonly string[] } = {},
): Promise<Uint8Array[]> {
  const nameOf = (i: number) => (opts.names?.[i] ? `${opts.names[i]}'s input` : `input ${i + 1}`);
  const first = inputs[0];
  if (!first) throw new FedError('JOB_ERR_MISMATCH', 'nothing to add');
  for (const v of inputs) {
    if (v.length !== first.length)
      throw new FedError('JOB_ERR_MISMATCH', `${nameOf(inputs.indexOf(v))} has ${v.length} ciphertexts, ${nameOf(0)} ${first.length}`);
  }
  const { seal, context } = ckks;
  const evaluator = new seal.Evaluator(context);
  const out: Uint8Array[] = [];
  try {
    for (let c = 0; c < first.length; c++) {
      throwIfAborted(opts.signal);
      const acc = ckks.loadCiphertext(first[c] as Uint8Array, `${nameOf(0)}, ciphertext ${c + 1}`);
      try {
        for (let i = 1; i < inputs.length; i++) {
          const term = ckks.loadCiphertext((inputs[i] as Uint8Array[])[c] as Uint8Array, `${nameOf(i)}, ciphertext ${c + 1}`);
          try {
            evaluator.addInplace(acc, term);
          } catch (err) {
            throw sealFailure(seal, err, 'CRYPTO_ERR_SEAL', `cannot add ${nameOf(i)}, ciphertext ${c + 1}`);
          } finally {
            term.delete();
          }
        }
        out.push(ckks.saveCiphertext(acc));
      } finally {
        acc.delete();
      }
      opts.onProgress?.(c + 1, first.length);
      await yieldToLoop();
    }
  } finally {
    evaluator.delete();
  }
  return out;
}

/** A ciphertext plus plaintext values slot-wise (the plaintext is encoded at the ciphertext's scale and level). */
export function addPlainValues(ckks: CkksContext, ciphertext: Uint8Array, values: Float64Array): Uint8Array {
  const { seal, context, encoder } = ckks;
  const evaluator = new seal.Evaluator(context);
  const ct = ckks.loadCiphertext(ciphertext, 'ciphertext');
  const plain = new seal.Plaintext();
  try {
    const slots = new Float64Array(ckks.slots);
    slots.set(values.subarray(0, ckks.slots));
    encoder.encode(slots, ct.scale(), plain);
    evaluator.plainModSwitchToInplace(plain, ct.parmsId());
    evaluator.addPlainInplace(ct, plain);
    return ckks.saveCiphertext(ct);
  } catch (err) {
    throw sealFailure(seal, err, 'CRYPTO_ERR_SEAL', `cannot add plaintext values`);
  } finally {
    plain.delete();
    ct.delete();
    evaluator.delete();
  }
}
