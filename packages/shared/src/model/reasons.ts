/**
 * Rejection reasons as scorecard practice makes them, split by party: each
 * party prices its own columns for an applicant in score points against a
 * neutral reference (its own population mean: every feature is standardised
 * on its own rows, so the reference is 0), ranks them, and lets out only its
 * top codes with a coarse band of points. The recipient merges every party's
 * lists into the final reasons. Pure functions: the node and the referee
 * call the same ones.
 */
import type { PartyTable } from '../data/table.ts';
import type { Role } from '../wire/ids.ts';
import { modelColumnsFor, type PartyModel, rowsOf } from './model.ts';
import { type ReasonDirection, reasonCodeFor } from './reason-codes.ts';

/** The band of a factor that cost no points (it is listed only to reach the minimum count). */
export const NO_COST_BAND = 255;
/** The highest band: everything from 254 band widths up. */
export const MAX_BAND = 254;

/** One column of one party, priced for one applicant. */
export interface Factor {
  column: string;
  direction: ReasonDirection;
  /** score points this column cost the applicant against the party's population mean (negative: it gained) */
  points: number;
}

/**
 * Every column of the party's model priced for each of `ids` (score points =
 * pointsPerLogit x the column's share of the logit; one-hot categories add up
 * to their column), as a function of the id's place: a list is made when
 * asked for, so a caller pricing tens of thousands keeps none longer than it
 * needs (all at once, they outlived their scavenges and left tens of MB of
 * old-generation garbage). An id the party has no record of gets no
 * factors: its contribution was the neutral value, which costs nothing.
 */
export function factorsFor(table: PartyTable, model: PartyModel, ids: readonly string[], pointsPerLogit: number): (k: number) => Factor[] {
  const { features, weights, columns } = modelColumnsFor(table, model, ids);
  const rows = rowsOf(table, ids);
  const byColumn = new Map<string, number[]>();
  features.forEach((f, j) => {
    byColumn.set(f.column, [...(byColumn.get(f.column) ?? []), j]);
  });
  return (k) => {
    if (!((rows[k] as number) >= 0)) return [];
    const out: Factor[] = [];
    for (const [column, js] of byColumn) {
      let logit = 0;
      for (const j of js) logit += (weights[j] as number) * ((columns[j] as Float64Array)[k] as number);
      const first = features[js[0] as number];
      const direction: ReasonDirection =
        first?.category !== undefined ? 'category' : ((columns[js[0] as number] as Float64Array)[k] as number) >= 0 ? 'high' : 'low';
      out.push({ column, direction, points: pointsPerLogit * logit });
    }
    return out;
  };
}

/** The `k` factors that cost the most points, most first (ties: the model's column order). */
export function topFactors(factors: readonly Factor[], k: number): Factor[] {
  return factors
    .map((f, i) => ({ f, i }))
    .sort((a, b) => b.f.points - a.f.points || a.i - b.i)
    .slice(0, k)
    .map(({ f }) => f);
}

/** The coarse band a cost falls in: [band x width, (band + 1) x width) points; NO_COST_BAND when it cost nothing. */
export function bandOf(points: number, width: number): number {
  if (!(points > 0)) return NO_COST_BAND;
  return Math.min(MAX_BAND, Math.floor(points / width));
}

/** A band as text: "10-15" points, or "none". */
export function bandText(band: number, width: number): string {
  if (band === NO_COST_BAND) return 'none';
  return band === MAX_BAND ? `${band * width}+` : `${band * width}-${(band + 1) * width}`;
}

/** The codes a party can send, in a fixed order: every column of its model, each direction it can take. */
export function codeListOf(role: Role, model: PartyModel): { code: string; column: string; direction: ReasonDirection }[] {
  return Object.entries(model.features).flatMap(([column, f]) =>
    (f.transform === 'onehot' ? (['category'] as const) : (['high', 'low'] as const)).map((direction) => ({
      code: reasonCodeFor(role, column, direction),
      column,
      direction,
    })),
  );
}

/** A factor as it reaches the recipient: code, direction and band; `points` only for the recipient's own. */
export interface ReasonCandidate {
  party: string;
  code: string;
  column: string;
  direction: ReasonDirection;
  band: number;
  /** the band width this party used */
  width: number;
  /** the recipient's own factors: the exact cost (it never leaves the recipient) */
  points?: number;
}

/** One of an applicant's final reasons. */
export interface FinalReason {
  party: string;
  code: string;
  column: string;
  direction: ReasonDirection;
  band: number;
  width: number;
  /** listed only to reach the minimum: this factor cost no points */
  filled: boolean;
}

/** What a candidate is worth for ranking: its exact cost if the recipient's own, else the middle of its band. */
function estimate(c: ReasonCandidate): number {
  if (c.points !== undefined) return c.points;
  return (c.band + 0.5) * c.width;
}

/**
 * The final reasons from every party's candidates (each party's list in its
 * own order, parties in job order): the factors that cost points, by
 * estimated cost (ties keep the order given); when fewer than `min` cost
 * points, the list is filled up to `min` from the factors that cost none (the
 * recipient's by exact cost first, then each party's in its own order), each
 * marked `filled`. Fewer than `min` only when the parties have fewer factors.
 * Given `order` (the refined order of the costing candidates), it replaces the
 * estimate.
 */
export function mergeReasons(candidates: readonly ReasonCandidate[], min: number, order?: readonly number[]): FinalReason[] {
  const indexed = candidates.map((c, i) => ({ c, i }));
  // `order`: the costing candidates' indices as the refinement resolved them (reason-refine.ts refinedOrder)
  const costing = order
    ? order.map((i) => indexed[i] as { c: ReasonCandidate; i: number })
    : indexed.filter(({ c }) => c.band !== NO_COST_BAND).sort((a, b) => estimate(b.c) - estimate(a.c) || a.i - b.i);
  const fillers = indexed
    .filter(({ c }) => c.band === NO_COST_BAND)
    .sort((a, b) => (b.c.points ?? Number.NEGATIVE_INFINITY) - (a.c.points ?? Number.NEGATIVE_INFINITY) || a.i - b.i);
  const chosen = costing.slice(0, min).map(({ c }) => ({ c, filled: false }));
  for (const { c } of fillers) {
    if (chosen.length >= min) break;
    chosen.push({ c, filled: true });
  }
  return chosen.map(({ c, filled }) => ({ party: c.party, code: c.code, column: c.column, direction: c.direction, band: c.band, width: c.width, filled }));
}
