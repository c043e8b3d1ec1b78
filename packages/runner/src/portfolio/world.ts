/**
 * What the referee knows about each applicant that no party does, and the
 * outcomes under a macro scenario. Synthetic data: each business's hidden
 * default logit and the uniform draw its label came from; a scenario
 * multiplies the odds of default (overall, by industry, city or cluster) and
 * the same draw decides again, so a harsher scenario only adds defaults.
 * Real data: the labels as they are, and no hidden attributes.
 */
import { DEFAULT_MACRO, FedError, type MacroScenario, type Scenario, sigmoid } from '@fedrisk/shared';
import type { Prepared } from '../prepare.ts';
import { CITY_NAMES, INDUSTRY_NAMES } from '../synthetic.ts';
import { type CodedColumn, codedColumn, fillColumn } from './columns.ts';

/**
 * What the referee knows of each applicant that no party does, as columns (an
 * entry per applicant, in applicant order): an object per applicant cost
 * 145 MB at a million.
 */
export interface TruthTable {
  length: number;
  city: CodedColumn;
  industry: CodedColumn;
  divisionType: CodedColumn;
  /** 1: a loan now is the business's first; undefined: not known (real data) */
  firstLoan: Uint8Array | undefined;
  guaranteeEligible: Uint8Array;
  /** share of the limit drawn while performing (real data: 1, the whole limit) */
  drawnShare: Float64Array;
  label: Uint8Array;
  /** synthetic only: the hidden default logit and the uniform draw the label came from */
  riskLogit?: Float64Array;
  draw?: Float64Array;
}

export function applicantTruth(prep: Prepared, applicants: readonly string[]): TruthTable {
  const n = applicants.length;
  const pop = prep.population;
  if (!pop) {
    const all = codedColumn(n, () => 'all', 'city');
    return {
      length: n,
      city: all,
      industry: codedColumn(n, () => 'all', 'industry'),
      divisionType: codedColumn(n, () => 'unknown', 'division type'),
      firstLoan: undefined,
      guaranteeEligible: new Uint8Array(n),
      drawnShare: new Float64Array(n).fill(1),
      label: fillColumn(new Uint8Array(n), (k) => prep.labels.get(applicants[k] as string) ?? 0),
    };
  }
  const rows = fillColumn(new Int32Array(n), (k) => {
    const id = applicants[k] as string;
    const i = pop.index.get(id);
    if (i === undefined) throw new FedError('RUN_ERR_PROCESS', `applicant ${id} is not in the generated population`);
    return i;
  });
  const at = (k: number) => rows[k] as number;
  return {
    length: n,
    city: codedColumn(n, (k) => pop.city[at(k)] as string, 'city'),
    industry: codedColumn(n, (k) => pop.industry[at(k)] as string, 'industry'),
    divisionType: codedColumn(n, (k) => pop.truth.divisionType[at(k)] as string, 'division type'),
    firstLoan: fillColumn(new Uint8Array(n), (k) => pop.truth.firstLoan[at(k)] as number),
    guaranteeEligible: fillColumn(new Uint8Array(n), (k) => pop.truth.guaranteeEligible[at(k)] as number),
    drawnShare: fillColumn(new Float64Array(n), (k) => pop.truth.drawnShare[at(k)] as number),
    label: fillColumn(new Uint8Array(n), (k) => pop.label[at(k)] as number),
    riskLogit: fillColumn(new Float64Array(n), (k) => pop.riskLogit[at(k)] as number),
    draw: fillColumn(new Float64Array(n), (k) => pop.labelDraw[at(k)] as number),
  };
}

/** The macro scenarios a run uses: the scenario's own, or baseline/optimistic/stress (synthetic) or baseline alone (real data). */
export function macroScenarios(scenario: Scenario): MacroScenario[] {
  if (scenario.portfolio.macro) return scenario.portfolio.macro;
  return scenario.data.kind === 'synthetic' ? DEFAULT_MACRO : DEFAULT_MACRO.slice(0, 1);
}

/** A macro scenario naming a city or industry the synthetic world lacks is refused before anything runs. */
export function checkMacroNames(scenario: Scenario): void {
  if (scenario.data.kind !== 'synthetic') return;
  const problems: string[] = [];
  (scenario.portfolio.macro ?? []).forEach((m, i) => {
    const at = `portfolio.macro[${i}]`;
    for (const c of Object.keys(m.cities)) if (!CITY_NAMES.includes(c)) problems.push(`${at}.cities.${c}: not a city (${CITY_NAMES.join(', ')})`);
    for (const x of Object.keys(m.industries))
      if (!INDUSTRY_NAMES.includes(x)) problems.push(`${at}.industries.${x}: not an industry (${INDUSTRY_NAMES.join(', ')})`);
    m.clusters.forEach((c, k) => {
      if (!CITY_NAMES.includes(c.city)) problems.push(`${at}.clusters[${k}].city: "${c.city}" is not a city (${CITY_NAMES.join(', ')})`);
      if (!INDUSTRY_NAMES.includes(c.industry))
        problems.push(`${at}.clusters[${k}].industry: "${c.industry}" is not an industry (${INDUSTRY_NAMES.join(', ')})`);
    });
  });
  if (problems.length) throw new FedError('SCENARIO_ERR_INVALID', `${problems.length} invalid field(s):\n  ${problems.join('\n  ')}`);
}

/** The odds multiplier a scenario applies to a business in `city` and `industry`. */
function oddsMultiplier(m: MacroScenario, city: string, industry: string): number {
  let k = m.defaultOdds * (m.industries[industry] ?? 1) * (m.cities[city] ?? 1);
  for (const c of m.clusters) if (c.city === city && c.industry === industry) k *= c.defaultOdds;
  return k;
}

/** 1 where the applicant defaults under the scenario. */
export function defaultsUnder(m: MacroScenario, truth: TruthTable): Uint8Array {
  const { riskLogit, draw } = truth;
  if (!riskLogit || !draw) return truth.label.slice();
  // the log of the multiplier for every city and industry met, once each
  const cities = truth.city.names;
  const industries = truth.industry.names;
  const logOdds = new Float64Array(cities.length * industries.length);
  cities.forEach((c, ci) => {
    industries.forEach((x, xi) => {
      logOdds[ci * industries.length + xi] = Math.log(oddsMultiplier(m, c, x));
    });
  });
  const city = truth.city.codes;
  const industry = truth.industry.codes;
  const out = new Uint8Array(truth.length);
  for (let k = 0; k < out.length; k++) {
    const shift = logOdds[(city[k] as number) * industries.length + (industry[k] as number)] as number;
    out[k] = (draw[k] as number) < sigmoid((riskLogit[k] as number) + shift) ? 1 : 0;
  }
  return out;
}
