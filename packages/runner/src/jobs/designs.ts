/**
 * What the runner adds to a design's result beyond the common figures: the
 * error each design promises, the Paillier design's sample and its linear
 * extrapolation to every applicant, and what each participant could read,
 * counted from the frames it decoded and the values it decrypted.
 */
import { type KeysDesign, paillierWidth, type Scenario } from '@fedrisk/shared';
import type { DesignResult, DesignSample, LedgerEntry } from '../report/types.ts';

/** The largest |decrypted - plaintext| logit error each design promises. */
export function targetMaxError(keys: KeysDesign): number {
  if (keys === 'threshold') return 1e-4;
  if (keys === 'single-holder') return 1e-6;
  // float64 sums (plaintext) and 52-bit fixed point (paillier): only rounding
  return 1e-9;
}

/** How many applicants a design scores: all of them, except the Paillier design beyond its sample. */
export function scoredCount(scenario: Scenario, keys: KeysDesign, applicants: number): number {
  return keys === 'paillier' ? Math.min(applicants, scenario.crypto.paillier.sample) : applicants;
}

/**
 * The Paillier design on a sample: its time and bytes scaled to every applicant. The phases whose
 * work grows with the values (encrypt, aggregate, decrypt) scale linearly; the ciphertext bytes are
 * exact (one per value per party, and one per value for the sum).
 */
export function extrapolate(scenario: Scenario, d: Pick<DesignResult, 'phases' | 'timings' | 'bytesOnWire'>, values: number, of: number): DesignSample {
  const factor = of / values;
  const perValueMs = d.phases.filter((p) => ['encrypt', 'aggregate', 'decrypt'].includes(p.name)).reduce((s, p) => s + p.ms, 0);
  const width = paillierWidth(scenario.crypto.paillier.keyBits);
  const extraBytes = (scenario.parties.length + 1) * (of - values) * width;
  return {
    values,
    of,
    method: `encrypted the first ${values} of ${of} applicants; time of the encrypt, aggregate and decrypt phases scaled by ${factor.toFixed(1)}, ciphertext bytes counted for every applicant (${width} bytes each)`,
    extrapolated: {
      jobMs: d.timings.jobMs + perValueMs * (factor - 1),
      afterJoinMs: d.timings.afterJoinMs + perValueMs * (factor - 1),
      bytesOnWire: d.bytesOnWire + extraBytes,
    },
  };
}

/** Plaintext values each participant could read: those it received in the clear and those it decrypted. */
export function readsOf(ledger: Record<string, LedgerEntry>): Record<string, number> {
  return Object.fromEntries(Object.entries(ledger).map(([who, e]) => [who, e.received.plaintextValues + e.decrypted]));
}
