/**
 * Differential privacy for the gradients a holder learns (training `dp:`).
 * Protected: one training row's label, against every holder. A label flip
 * moves that row's residual by 1, so a holder's batch-sum gradient moves by
 * the row's own features there, clipped to L2 norm `clip` by the holder: the
 * sensitivity is `clip`. The parties other than the owner add Gaussian noise
 * through their decryption shares, sigma / sqrt(P - 1) each.
 *
 * Each row is in one batch per epoch, so over E epochs it enters E Gaussian
 * releases of one holder's gradient, which compose exactly into one Gaussian
 * release of sensitivity clip sqrt(E) (Gaussian DP, Dong, Roth and Su 2019).
 * sigma is the smallest with delta(epsilon) <= delta for that release, where
 * (Balle and Wang 2018) delta(eps) = Phi(D/(2s) - eps s/D) - e^eps Phi(-D/(2s) - eps s/D).
 * Calibrated for the scenario's epochs; a run that stops early spends less,
 * and the report says how much.
 */

/** erfc with relative error below 1.2e-7 (Numerical Recipes' Chebyshev fit). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const poly =
    -1.26551223 +
    t *
      (1.00002368 +
        t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const r = t * Math.exp(-z * z + poly);
  return x >= 0 ? r : 2 - r;
}

const phi = (x: number) => 0.5 * erfc(-x / Math.SQRT2);

/** delta(epsilon) of one Gaussian release with sensitivity D and noise sigma. */
export function gaussianDelta(epsilon: number, sigma: number, sensitivity: number): number {
  const a = sensitivity / (2 * sigma);
  const b = (epsilon * sigma) / sensitivity;
  return phi(a - b) - Math.exp(epsilon) * phi(-a - b);
}

/** The smallest sigma whose delta(epsilon) is at most delta (bisection on log sigma). */
export function gaussianSigma(epsilon: number, delta: number, sensitivity: number): number {
  let lo = sensitivity * 1e-3;
  let hi = sensitivity * 1e5;
  for (let i = 0; i < 200; i++) {
    const mid = Math.sqrt(lo * hi);
    if (gaussianDelta(epsilon, mid, sensitivity) > delta) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** The epsilon spent at `delta` by a Gaussian release of noise sigma and sensitivity D (bisection). */
export function gaussianEpsilon(sigma: number, delta: number, sensitivity: number): number {
  let lo = 0;
  let hi = 1e4;
  if (gaussianDelta(0, sigma, sensitivity) <= delta) return 0;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (gaussianDelta(mid, sigma, sensitivity) > delta) lo = mid;
    else hi = mid;
  }
  return hi;
}

export interface DpSettings {
  epsilon: number;
  delta: number;
  clip: number;
}

/** The noise on each coordinate of a holder's batch-sum gradient, for a whole run of `epochs` epochs. */
export function dpGradientSigma(dp: DpSettings, epochs: number): number {
  return gaussianSigma(dp.epsilon, dp.delta, dp.clip * Math.sqrt(epochs));
}

/** What a run that took `epochsRun` epochs spent, at the settings' delta. */
export function dpSpent(dp: DpSettings, sigma: number, epochsRun: number): { epsilon: number; delta: number } {
  return { epsilon: gaussianEpsilon(sigma, dp.delta, dp.clip * Math.sqrt(epochsRun)), delta: dp.delta };
}

/** Scales each row down to L2 norm `clip` where it is longer (a holder does this to its own features). */
export function clipRows(columns: readonly Float64Array[], clip: number): Float64Array[] {
  const rows = columns[0]?.length ?? 0;
  const out = columns.map((c) => Float64Array.from(c));
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (const c of columns) s += (c[i] as number) ** 2;
    const norm = Math.sqrt(s);
    if (norm > clip) for (const c of out) c[i] = ((c[i] as number) * clip) / norm;
  }
  return out;
}
