/**
 * Which of an applicant's candidate reasons the recipient cannot order on its
 * own (two parties' candidates whose bands overlap, or its own exact cost
 * inside a holder's band), which of those can change the final list, and how
 * the comparisons made under encryption (crypto/refine-compare.ts) turn into
 * an order. Pure functions, so the plan is tested without sockets.
 */
import { MAX_BAND, NO_COST_BAND, type ReasonCandidate } from './reasons.ts';

/** The cost range a candidate is known to lie in: exact for the recipient's own, its band for a holder's. */
function rangeOf(c: ReasonCandidate): { lo: number; hi: number; exact: boolean } {
  if (c.points !== undefined) return { lo: c.points, hi: c.points, exact: true };
  return { lo: c.band * c.width, hi: c.band === MAX_BAND ? Number.POSITIVE_INFINITY : (c.band + 1) * c.width, exact: false };
}

const costs = (c: ReasonCandidate) => c.band !== NO_COST_BAND;

/** `a` costs more than `b` for certain: from their ranges, or, within one party, from that party's own order. */
function certainlyAbove(candidates: readonly ReasonCandidate[], i: number, j: number): boolean {
  const a = candidates[i] as ReasonCandidate;
  const b = candidates[j] as ReasonCandidate;
  if (a.party === b.party) return i < j;
  const ra = rangeOf(a);
  const rb = rangeOf(b);
  return rb.exact ? ra.lo > rb.hi : ra.lo >= rb.hi;
}

/** One comparison to make under encryption: the sender's candidate against the masker's, both relative to `base`. */
export interface ContestedPair {
  slot: number;
  /** index of the sender's candidate (its party comes first in the candidate list: the recipient, or the earlier holder) */
  sender: number;
  /** index of the masker's candidate (always a holder's) */
  masker: number;
  /** both values are sent as value − base: the lower edge of the (higher) holder's band, so no exact cost travels in a plan */
  base: number;
}

/**
 * The contested pairs of one applicant: candidates of different parties, both
 * costing points, whose ranges overlap, and at least one of which can still
 * reach the first `count` (fewer than `count` candidates are certainly above
 * it). Candidates are listed as the merge gets them: the recipient's first,
 * then each holder's in job order, so the later index is always a holder's.
 * A range open at the top (the highest band) cannot be bounded: such pairs are
 * counted in `unbounded` and left to the band order.
 */
export function contestedPairs(slot: number, candidates: readonly ReasonCandidate[], count: number): { pairs: ContestedPair[]; unbounded: number } {
  const costing = candidates.flatMap((c, i) => (costs(c) ? [i] : []));
  const ahead = new Map(costing.map((i) => [i, costing.filter((j) => j !== i && certainlyAbove(candidates, j, i)).length]));
  const pairs: ContestedPair[] = [];
  let unbounded = 0;
  for (const i of costing) {
    for (const j of costing) {
      if (j <= i) continue;
      const a = candidates[i] as ReasonCandidate;
      const b = candidates[j] as ReasonCandidate;
      if (a.party === b.party || certainlyAbove(candidates, i, j) || certainlyAbove(candidates, j, i)) continue;
      if (Math.min(ahead.get(i) as number, ahead.get(j) as number) >= count) continue;
      // a band's lower edge, never the recipient's exact cost (the base goes to the holders in the plan)
      const base = Math.max(...[a, b].filter((c) => c.points === undefined).map((c) => rangeOf(c).lo));
      if (rangeOf(a).hi === Number.POSITIVE_INFINITY || rangeOf(b).hi === Number.POSITIVE_INFINITY) {
        unbounded++;
        continue;
      }
      pairs.push({ slot, sender: i, masker: j, base });
    }
  }
  return { pairs, unbounded };
}

/** The largest |value − base| a contested pair can send: two of the widest bands in play. */
export function refineBound(candidates: Iterable<readonly ReasonCandidate[]>): number {
  let width = 0;
  for (const list of candidates) for (const c of list) width = Math.max(width, c.width);
  return 2 * width;
}

/**
 * The costing candidates, most costly first, given the signs the recipient
 * read (key `${sender},${masker}`: 1 the masker's costs more, −1 the
 * sender's, 0 a tie). Every pair is ordered by what is certain (ranges, a
 * party's own order), else by its sign, else by estimated cost, else by list
 * order; candidates are ranked by how many others they beat, which is exactly
 * that order whenever the relations agree (they do when every contested pair
 * was compared: each is then a fact about the true costs).
 */
export function refinedOrder(candidates: readonly ReasonCandidate[], signs: ReadonlyMap<string, number>): number[] {
  const costing = candidates.flatMap((c, i) => (costs(c) ? [i] : []));
  const estimate = (c: ReasonCandidate) => c.points ?? (c.band + 0.5) * c.width;
  const beats = (i: number, j: number): boolean => {
    if (certainlyAbove(candidates, i, j)) return true;
    if (certainlyAbove(candidates, j, i)) return false;
    // the key holds sign(masker − sender), and the masker is the later index
    const above = i < j ? -(signs.get(`${i},${j}`) ?? 0) : (signs.get(`${j},${i}`) ?? 0);
    if (above) return above > 0;
    const d = estimate(candidates[i] as ReasonCandidate) - estimate(candidates[j] as ReasonCandidate);
    return d !== 0 ? d > 0 : i < j;
  };
  const score = new Map(costing.map((i) => [i, costing.filter((j) => j !== i && beats(i, j)).length]));
  return [...costing].sort((a, b) => (score.get(b) as number) - (score.get(a) as number) || a - b);
}
