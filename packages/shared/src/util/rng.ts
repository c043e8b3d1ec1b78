/**
 * Seeded pseudo-random numbers for the synthetic data generator (sfc32 seeded
 * through splitmix32). Deterministic across platforms: same seed, same stream.
 * Not for cryptography; key material and smudging noise use node:crypto.
 */
export interface Rng {
  /** uniform in [0, 1) */
  next(): number;
  int(minInclusive: number, maxInclusive: number): number;
  normal(): number;
  bernoulli(p: number): boolean;
  poisson(lambda: number): number;
  pick<T>(items: readonly T[], weights?: readonly number[]): T;
  /** a child stream whose values do not depend on how much the parent consumed later */
  fork(label: string): Rng;
}

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

function hashLabel(seed: number, label: string): number {
  let h = (seed ^ 0x811c9dc5) >>> 0;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

export function createRng(seed: number): Rng {
  const init = splitmix32(seed);
  // the state lives in typed arrays: as captured numbers above 2^31 every step would allocate (measured 35 ns a draw, now a few)
  const state = Uint32Array.of(init(), init(), init(), init());
  const spare = new Float64Array(1);
  let hasSpare = false;
  const u32 = (): number => {
    const a = state[0] as number;
    const b = state[1] as number;
    const c = state[2] as number;
    const d = state[3] as number;
    const t = (((a + b) >>> 0) + d) >>> 0;
    state[3] = d + 1;
    state[0] = b ^ (b >>> 9);
    state[1] = c + (c << 3);
    state[2] = ((c << 21) | (c >>> 11)) + t;
    return t;
  };
  for (let i = 0; i < 12; i++) u32();
  const rng: Rng = {
    next: () => u32() / 4294967296,
    int: (lo, hi) => lo + Math.floor(rng.next() * (hi - lo + 1)),
    normal: () => {
      if (hasSpare) {
        hasSpare = false;
        return spare[0] as number;
      }
      let u = 0;
      while (u === 0) u = rng.next();
      const v = rng.next();
      const r = Math.sqrt(-2 * Math.log(u));
      spare[0] = r * Math.sin(2 * Math.PI * v);
      hasSpare = true;
      return r * Math.cos(2 * Math.PI * v);
    },
    bernoulli: (p) => rng.next() < p,
    poisson: (lambda) => {
      const limit = Math.exp(-lambda);
      let k = 0;
      let p = rng.next();
      while (p > limit && k < 1000) {
        k++;
        p *= rng.next();
      }
      return k;
    },
    pick: (items, weights) => {
      if (items.length === 0) throw new Error('pick from an empty list');
      if (!weights) return items[Math.floor(rng.next() * items.length)] as (typeof items)[number];
      const total = weights.reduce((s, w) => s + w, 0);
      let r = rng.next() * total;
      for (let i = 0; i < items.length; i++) {
        r -= weights[i] ?? 0;
        if (r < 0) return items[i] as (typeof items)[number];
      }
      return items[items.length - 1] as (typeof items)[number];
    },
    fork: (label) => createRng(hashLabel(u32(), label)),
  };
  return rng;
}
