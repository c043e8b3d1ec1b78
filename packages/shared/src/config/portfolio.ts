/**
 * The scenario's portfolio settings (`portfolio:`): what the referee does
 * with the policy's approvals once it knows the outcomes. Defaults are the
 * figures of the Shandong SME finance report the simulator is built from:
 * bank-guarantor "80/20" risk sharing, a CNY 5 bn provincial compensation
 * pool that reimburses 30% of partner banks' bad loans, an information-sharing
 * incentive of 0.5% per first or credit loan made through the platform.
 */
import { z } from 'zod';

const share = z.number().min(0).max(1);
const oddsMultiplier = z.number().gt(0).max(100);

/** A macro scenario: multiplies the hidden odds of default, overall and by industry, city or both, and the loss given default. */
export const macroScenarioSchema = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'lowercase letters, digits and -, at most 32 characters'),
    description: z.string().default(''),
    /** every business's odds of default are multiplied by this */
    defaultOdds: oddsMultiplier.default(1),
    /** and by this for the businesses of an industry (synthetic industries: manufacturing, wholesale-retail, agriculture, marine-economy, logistics) */
    industries: z.record(z.string(), oddsMultiplier).default({}),
    /** and by this for the businesses of a city (Jinan, Qingdao, Zibo, Yantai, Weifang, Linyi) */
    cities: z.record(z.string(), oddsMultiplier).default({}),
    /** and by this for one industry in one city (a cluster, e.g. Linyi logistics) */
    clusters: z.array(z.object({ city: z.string(), industry: z.string(), defaultOdds: oddsMultiplier }).strict()).default([]),
    /** loss given default is multiplied by this (collateral is worth less in a downturn); capped at 1 */
    lossGivenDefault: z.number().gt(0).max(10).default(1),
  })
  .strict();
export type MacroScenario = z.infer<typeof macroScenarioSchema>;

/** Run when the scenario names none (synthetic data; real data has no hidden risk to shift and runs its labels only). */
export const DEFAULT_MACRO: MacroScenario[] = [
  { name: 'baseline', description: 'the hidden labels as drawn', defaultOdds: 1, industries: {}, cities: {}, clusters: [], lossGivenDefault: 1 },
  {
    name: 'optimistic',
    description: 'recovery: odds of default x0.8, recoveries better',
    defaultOdds: 0.8,
    industries: {},
    cities: {},
    clusters: [],
    lossGivenDefault: 0.9,
  },
  {
    name: 'stress',
    description: 'downturn: odds of default x1.6, wholesale-retail x1.3, concentrated defaults in Linyi logistics x3, collateral worth less',
    defaultOdds: 1.6,
    industries: { 'wholesale-retail': 1.3 },
    cities: {},
    clusters: [{ city: 'Linyi', industry: 'logistics', defaultOdds: 3 }],
    lossGivenDefault: 1.15,
  },
];

export const portfolioSchema = z
  .object({
    /** share of the exposure lost when a loan defaults, by loan type */
    lossGivenDefault: z
      .object({ credit: share.default(0.6), guaranteed: share.default(0.6), secured: share.default(0.35) })
      .strict()
      .prefault({}),
    /** guaranteed loans: the guarantor bears this share of the loss, the bank the rest (80/20) */
    guarantee: z
      .object({ guarantorShare: share.default(0.8) })
      .strict()
      .prefault({}),
    /** the provincial risk-compensation pool: reimburses `share` of the bank's losses until `amount` (CNY) is spent */
    pool: z
      .object({ amount: z.number().min(0).default(5_000_000_000), share: share.default(0.3) })
      .strict()
      .prefault({}),
    /** information-sharing incentive: `rate` of the amount of each first or credit loan made through the platform (the joint model) */
    incentive: z
      .object({ rate: share.default(0.005) })
      .strict()
      .prefault({}),
    /** macro scenarios run on the same population; default baseline, optimistic and stress */
    macro: z.array(macroScenarioSchema).min(1).max(8).optional(),
  })
  .strict();
export type PortfolioConfig = z.infer<typeof portfolioSchema>;

/** The report's figures the simulation is compared with (Shandong, end of 2025). */
export const SEED_FIGURES = {
  nplRate: { value: 0.0162, what: 'small-business NPL rate' },
  guarantorCompensationRate: { value: 0.0197, what: "government guarantors' compensation rate" },
  countyShare: { value: 0.478, what: 'county share of lending' },
  creditShare: { value: 0.547, what: 'credit-loan share of lending via the provincial platform (from 31.2%)' },
  reviewAdjusted: { value: 0.117, what: 'share of 1,842 appeals adjusted in 2025' },
} as const;
