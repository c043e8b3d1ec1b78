/**
 * Packed gradients for threshold training: a party's whole batch gradient
 * g = X^T d in ONE ciphertext instead of one per feature (the diagonal method
 * of Halevi and Shoup for a wide matrix, with baby-step giant-step rotations).
 *
 * n slots, one row per slot, F features padded to a power of two. With
 *   P_k[i] = X[(i + k) mod n][i mod F]    (k = 0 .. F-1),
 *   z = sum_k P_k * rot(d, k)              (rot(v, k)[i] = v[i + k]),
 * slot i of z sums X[r][i mod F] d[r] over rows r = i + k, and every row
 * appears once for each feature among the slots i = j (mod F). Folding z with
 * rotations by F, 2F, ..., n/2 leaves g_{i mod F} in every slot i.
 *
 * Baby-step giant-step, k = a + B b, with the plaintexts Q_{a,b} = rot(P_k, -B b)
 * (rotated in the clear): z = sum_b rot(sum_a Q_{a,b} * rot(d, a), B b). Only
 * power-of-two steps are used, so the collective rotation keys are a fixed
 * public set: the babies rot(d, a) are made one step at a time (step 1), and
 * the giants by Horner's rule, z = g_0 + rot(g_1 + rot(g_2 + ..., B), B) (step B).
 * One multiplicative level, no masks: the rows are selected by the plaintexts.
 */
import type { Ciphertext, GaloisKeys, Plaintext } from 'node-seal';
import { FedError } from '../util/errors.ts';
import type { CkksContext } from './ckks.ts';
import { keyLevelPrimes } from './seal-layout.ts';

/** Columns are encoded at the size of the last data prime, so multiplying and rescaling once keeps the inputs' scale. */
export function columnScale(ckks: CkksContext): number {
  return 2 ** (ckks.params.coeffModulusBits[ckks.params.coeffModulusBits.length - 2] as number);
}

/** The level and scale of a gradient or loss ciphertext (one multiplyPlain by a column, one rescale): all a share is issued for. */
export function gradientShape(ckks: CkksContext): { level: number; scale: number } {
  const primes = keyLevelPrimes(ckks);
  const dataPrimes = primes.length - 1;
  return { level: dataPrimes - 1, scale: (ckks.scale * columnScale(ckks)) / Number(primes[dataPrimes - 1]) };
}

/** the widest packing a party may use: the smudging width is derived for every width up to it */
export const MAX_PACKED_WIDTH = 256;

export interface PackingPlan {
  slots: number;
  /** real features (the bank's include its intercept column) */
  features: number;
  /** F: features padded to a power of two */
  width: number;
  /** B, a power of two */
  baby: number;
  giants: number;
  foldSteps: number[];
}

/** The plan with the fewest rotations for `features` columns (baby rotations at one more prime count double). */
export function planPacking(slots: number, features: number): PackingPlan {
  if (features < 1) throw new FedError('JOB_ERR_INTERNAL', 'no features to pack');
  let width = 1;
  while (width < features) width *= 2;
  if (width > Math.min(slots, MAX_PACKED_WIDTH))
    throw new FedError('JOB_ERR_MISMATCH', `${features} features are more than threshold training packs (${Math.min(slots, MAX_PACKED_WIDTH)} per party)`);
  let baby = 1;
  let best = Number.POSITIVE_INFINITY;
  for (let b = 1; b <= width; b *= 2) {
    const cost = 2 * (b - 1) + (width / b - 1) + 0.5 * (width / b);
    if (cost < best) {
      best = cost;
      baby = b;
    }
  }
  const foldSteps: number[] = [];
  for (let s = width; s < slots; s *= 2) foldSteps.push(s);
  return { slots, features, width, baby, giants: width / baby, foldSteps };
}

/** The slot vectors Q_{a,b} for one batch, [b][a]; rows past a column's end and padded features are zero. */
export function diagonalVectors(plan: PackingPlan, columns: readonly Float64Array[]): Float64Array[][] {
  const { slots: n, width: F, baby: B, giants } = plan;
  const x = (r: number, j: number): number => {
    const col = columns[j];
    return col !== undefined && r < col.length ? (col[r] as number) : 0;
  };
  return Array.from({ length: giants }, (_, b) =>
    Array.from({ length: B }, (_, a) => {
      const k = a + B * b;
      const q = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const t = (((i - B * b) % n) + n) % n; // Q_{a,b}[i] = P_k[(i - B b) mod n]
        q[i] = x((t + k) % n, t % F);
      }
      return q;
    }),
  );
}

/** One batch's plaintexts, fixed over the epochs (encoded once); null where a plaintext is all zero. */
export interface EncodedBatch {
  readonly plan: PackingPlan;
  readonly plains: (Plaintext | null)[][];
  /** the largest mean square of a plaintext's slots: what the smudging width assumes is bounded */
  readonly meanSquare: number;
  delete(): void;
}

export function encodeBatch(ckks: CkksContext, plan: PackingPlan, columns: readonly Float64Array[], scale: number): EncodedBatch {
  let meanSquare = 0;
  const plains = diagonalVectors(plan, columns).map((row) =>
    row.map((v) => {
      let ms = 0;
      for (const x of v) ms += x * x;
      meanSquare = Math.max(meanSquare, ms / v.length);
      if (ms === 0) return null; // SEAL refuses a transparent product
      const p = new ckks.seal.Plaintext();
      ckks.encoder.encode(v, scale, p);
      return p;
    }),
  );
  return {
    plan,
    plains,
    meanSquare,
    delete: () => {
      for (const row of plains) for (const p of row) p?.delete();
    },
  };
}

/** The folded packed gradient fold(z) for the fresh residual d: slot i holds g_{i mod F}. A new ciphertext. */
export function packedGradient(ckks: CkksContext, batch: EncodedBatch, d: Ciphertext, galois: GaloisKeys): Ciphertext {
  const { seal, context } = ckks;
  const evaluator = new seal.Evaluator(context);
  const { plan } = batch;
  const babies: Ciphertext[] = [d];
  const prod = new seal.Ciphertext();
  const group = new seal.Ciphertext();
  const z = new seal.Ciphertext();
  const rotated = new seal.Ciphertext();
  let zEmpty = true;
  try {
    for (let a = 1; a < plan.baby; a++) {
      const r = new seal.Ciphertext();
      evaluator.rotateVector(babies[a - 1] as Ciphertext, 1, galois, r);
      babies.push(r);
    }
    for (let b = plan.giants - 1; b >= 0; b--) {
      let groupEmpty = true;
      for (let a = 0; a < plan.baby; a++) {
        const p = batch.plains[b]?.[a];
        if (!p) continue;
        evaluator.multiplyPlain(babies[a] as Ciphertext, p, groupEmpty ? group : prod);
        if (!groupEmpty) evaluator.addInplace(group, prod);
        groupEmpty = false;
      }
      if (!zEmpty) {
        evaluator.rotateVector(z, plan.baby, galois, rotated);
        z.assign(rotated);
      }
      if (groupEmpty) continue;
      evaluator.rescaleToNextInplace(group);
      if (zEmpty) z.assign(group);
      else evaluator.addInplace(z, group);
      zEmpty = false;
    }
    if (zEmpty) throw new FedError('JOB_ERR_INTERNAL', 'every plaintext of the batch is zero');
    for (const step of plan.foldSteps) {
      evaluator.rotateVector(z, step, galois, rotated);
      evaluator.addInplace(z, rotated);
    }
    return z;
  } catch (err) {
    z.delete();
    throw err;
  } finally {
    rotated.delete();
    group.delete();
    prod.delete();
    for (const r of babies.slice(1)) r.delete();
    evaluator.delete();
  }
}

/** Rotate-and-add over every slot in place: each slot then holds the sum of all. */
export function sumAllSlots(ckks: CkksContext, ct: Ciphertext, galois: GaloisKeys): void {
  const evaluator = new ckks.seal.Evaluator(ckks.context);
  const rotated = new ckks.seal.Ciphertext();
  try {
    for (let s = 1; s < ckks.slots; s *= 2) {
      evaluator.rotateVector(ct, s, galois, rotated);
      evaluator.addInplace(ct, rotated);
    }
  } finally {
    rotated.delete();
    evaluator.delete();
  }
}

/** The gradient from the decoded slots: the n / F replicas of each feature averaged (their noise is independent). */
export function unpackGradient(plan: PackingPlan, slots: ArrayLike<number>): Float64Array {
  const g = new Float64Array(plan.features);
  const reps = plan.slots / plan.width;
  for (let i = 0; i < plan.slots; i++) {
    const j = i % plan.width;
    if (j < plan.features) g[j] = (g[j] as number) + (slots[i] as number) / reps;
  }
  return g;
}
