/**
 * The referee's account of the rejection reasons. It may read every file, so
 * it prices every party's columns for each rejected applicant exactly (the
 * same factorsFor the parties use, on all columns at once) and measures how
 * often the federated top 3, merged from codes and bands, is the plaintext
 * top 3: the same three factors (as a set), and in the same order. It also
 * counts what the reasons step carried and builds one applicant's notice.
 */
import { join } from 'node:path';
import {
  bandText,
  type DecisionRow,
  type DecisionsById,
  type Factor,
  factorsFor,
  NO_COST_BAND,
  NO_LIMIT_REASON,
  type PartyModel,
  type PartySummary,
  readReasonValuesCsv,
  reasonText,
  type Scenario,
  scorecardMapping,
  topFactors,
} from '@fedrisk/shared';
import type { Prepared } from '../prepare.ts';

/** The federated list is compared with the plaintext one over its first this many reasons. */
export const COMPARED_TOP = 3;

export interface NoticeLine {
  party: string;
  code: string;
  zh: string;
  en: string;
  /** the band of points the bank holds; "none" for a reason listed only to reach the minimum */
  band: string;
  /** the party's own value for the applicant, which the party (not the bank) may tell the business */
  value: string | null;
}

export interface ReasonsReport {
  min: number;
  bandPoints: number;
  /** rejected and sent-to-review applicants: each gets reasons */
  rejected: number;
  /** applicants with at least `min` reasons */
  withMin: number;
  /** applicants with a reason that cost no points, listed only to reach the minimum */
  filled: number;
  /** applicants with fewer than `min` reasons (the parties had fewer factors) */
  short: number;
  /** final reasons by the party whose column it is */
  byParty: Record<string, number>;
  /** most frequent codes among the final reasons */
  topCodes: { code: string; count: number }[];
  /** per holder, what the recipient received (its own summary): applicants answered for, codes, bands; never a value */
  received: Record<string, { applicants: number; codes: number; bands: number }>;
  /** the refinement (policy.reasons.refine): pairs compared under encryption, left unresolved, ms, bytes through the recipient */
  refined?: { pairs: number; unresolved: number; ms: number; bytes: number };
  quality: {
    top: number;
    /** applicants whose plaintext top factors all cost points (the others' order is not defined by points) */
    compared: number;
    sameSet: number;
    sameOrder: number;
    sameSetRate: number;
    sameOrderRate: number;
    target: number;
  };
  /** one rejected applicant's notice: the bank's codes and bands with each party's own value */
  example: { business: string; decision: string; score: number; lines: NoticeLine[] } | null;
}

const key = (party: string, column: string) => `${party}\u0000${column}`;

function inPartyOrder<T>(scenario: Scenario, byParty: Record<string, T>): Record<string, T> {
  return Object.fromEntries(scenario.parties.flatMap((p) => (byParty[p.id] === undefined ? [] : [[p.id, byParty[p.id] as T]])));
}

export async function reasonsStage(
  scenario: Scenario,
  prep: Prepared,
  models: ReadonlyMap<string, PartyModel>,
  decisions: DecisionsById,
  jobDir: { partyDir(id: string): string },
  recipientSummary: PartySummary,
): Promise<ReasonsReport> {
  const { min, bandPoints } = scenario.policy.reasons;
  const rejected: DecisionRow[] = [];
  for (const d of decisions.values()) if (d.decision !== 'approve') rejected.push(d);
  const ids = rejected.map((d) => d.id);
  const perParty: { party: string; factors: (k: number) => Factor[] }[] = [];
  for (const p of scenario.parties) {
    const table = await prep.tableOf(p.id);
    perParty.push({ party: p.id, factors: factorsFor(table, models.get(p.id) as PartyModel, ids, scorecardMapping(scenario.scorecard).factor) });
  }
  const top = Math.min(COMPARED_TOP, min);
  let compared = 0;
  let sameSet = 0;
  let sameOrder = 0;
  const byParty: Record<string, number> = {};
  const codeCounts = new Map<string, number>();
  rejected.forEach((d, i) => {
    for (const r of d.reasons) {
      byParty[r.party] = (byParty[r.party] ?? 0) + 1;
      codeCounts.set(r.code, (codeCounts.get(r.code) ?? 0) + 1);
    }
    const all = perParty.flatMap(({ party, factors }) => factors(i).map((f) => ({ ...f, column: key(party, f.column) })));
    const plain = topFactors(all, top);
    if (plain.length < top || plain.some((f) => !(f.points > 0))) return;
    compared++;
    const fed = d.reasons.slice(0, top).map((r) => key(r.party, r.column));
    const want = plain.map((f) => f.column);
    if (want.every((c) => fed.includes(c))) sameSet++;
    if (want.every((c, j) => fed[j] === c)) sameOrder++;
  });
  return {
    min,
    bandPoints,
    rejected: rejected.length,
    withMin: rejected.filter((d) => d.reasons.length >= min).length,
    filled: rejected.filter((d) => d.reasons.some((r) => r.filled)).length,
    short: rejected.filter((d) => d.reasons.length < min).length,
    // in the scenario's party order, whatever order the answers came in
    byParty: inPartyOrder(scenario, byParty),
    topCodes: [...codeCounts]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, 5)
      .map(([code, count]) => ({ code, count })),
    received: inPartyOrder(scenario, recipientSummary.reasonsReceived ?? {}),
    ...(recipientSummary.reasonsRefined ? { refined: recipientSummary.reasonsRefined } : {}),
    quality: {
      top,
      compared,
      sameSet,
      sameOrder,
      sameSetRate: compared ? sameSet / compared : 0,
      sameOrderRate: compared ? sameOrder / compared : 0,
      target: 0.95,
    },
    example: await exampleNotice(rejected[0], jobDir),
  };
}

/** The first rejected applicant's notice: the recipient's reasons, each with the value its own party keeps for the applicant. */
async function exampleNotice(d: DecisionRow | undefined, jobDir: { partyDir(id: string): string }): Promise<ReasonsReport['example']> {
  if (!d) return null;
  const lines: NoticeLine[] = [];
  if (d.policyReason === 'no-limit')
    lines.push({ party: '', code: NO_LIMIT_REASON.code, zh: NO_LIMIT_REASON.zh, en: NO_LIMIT_REASON.en, band: 'none', value: null });
  const values = new Map<string, Map<string, string>>();
  for (const r of d.reasons) {
    if (!values.has(r.party)) {
      const own = await readReasonValuesCsv(join(jobDir.partyDir(r.party), 'out', 'reason-values.csv'));
      values.set(r.party, new Map(own.filter((v) => v.id === d.id).map((v) => [v.code, v.value])));
    }
    lines.push({
      party: r.party,
      code: r.code,
      ...reasonText(r.code, r.column),
      band: r.band === NO_COST_BAND ? 'none' : bandText(r.band, r.width),
      value: values.get(r.party)?.get(r.code) ?? null,
    });
  }
  return { business: d.id, decision: d.decision, score: d.score, lines };
}
