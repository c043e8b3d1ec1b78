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

export interface ApplicantTruth {
  city: string;
  industry: string;
  divisionType: string;
  /** undefined: not known (real data) */
  firstLoan: boolean | undefined;
  guaranteeEligible: boolean;
  /** share of the limit drawn while performing (real data: 1, the whole limit) */
  drawnShare: number;
  label: number;
  /** synthetic only */
  riskLogit?: number;
  draw?: number;
}

export function applicantTruth(prep: Prepared, applicants: readonly string[]): ApplicantTruth[] {
  const pop = prep.population;
  if (!pop) {
    return applicants.map((id) => ({
      city: 'all',
      industry: 'all',
      divisionType: 'unknown',
      firstLoan: undefined,
      guaranteeEligible: false,
      drawnShare: 1,
      label: prep.labels.get(id) ?? 0,
    }));
  }
  return applicants.map((id) => {
    const i = pop.index.get(id);
    if (i === undefined) throw new FedError('RUN_ERR_PROCESS', `applicant ${id} is not in the generated population`);
    return {
      city: pop.city[i] as string,
      industry: pop.industry[i] as string,
      divisionType: pop.truth.divisionType[i] as string,
      firstLoan: pop.truth.firstLoan[i] === 1,
      guaranteeEligible: pop.truth.guaranteeEligible[i] === 1,
      drawnShare: pop.truth.drawnShare[i] as number,
      label: pop.label[i] as number,
      riskLogit: pop.riskLogit[i] as number,
      draw: pop.labelDraw[i] as number,
    };
  });
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

/** The odds multiplier a scenario applies to one business. */
export function oddsMultiplier(m: MacroScenario, t: Pick<ApplicantTruth, 'city' | 'industry'>): number {
  let k = m.defaultOdds * (m.industries[t.industry] ?? 1) * (m.cities[t.city] ?? 1);
  for (const c of m.clusters) if (c.city === t.city && c.industry === t.industry) k *= c.defaultOdds;
  return k;
}

/** 1 where the applicant defaults under the scenario. */
export function defaultsUnder(m: MacroScenario, truth: readonly ApplicantTruth[]): Uint8Array {
  return Uint8Array.from(truth, (t) => {
    if (t.riskLogit === undefined || t.draw === undefined) return t.label;
    return t.draw < sigmoid(t.riskLogit + Math.log(oddsMultiplier(m, t))) ? 1 : 0;
  });
}
