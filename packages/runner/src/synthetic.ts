/**
 * Seeded synthetic SME population in the spirit of the Shandong SME finance
 * report: businesses in six cities and five industries, each with a unified
 * social credit code. A hidden default label comes from a latent model over
 * all parties' features plus noise, calibrated to the scenario's default rate,
 * so that no single party sees everything that drives risk.
 * Same seed, same files, byte for byte.
 */
import { createRng, makeUscc, type Rng, ROLE_COLUMNS, type Role, sigmoid } from '@fedrisk/shared';
import { generateSources } from './synthetic-sources.ts';
import { type BusinessTruth, generateTruth } from './synthetic-truth.ts';

const CITIES = [
  { name: 'Jinan', division: '370100', weight: 0.2 },
  { name: 'Qingdao', division: '370200', weight: 0.24 },
  { name: 'Zibo', division: '370300', weight: 0.12 },
  { name: 'Yantai', division: '370600', weight: 0.15 },
  { name: 'Weifang', division: '370700', weight: 0.15 },
  { name: 'Linyi', division: '371300', weight: 0.14 },
] as const;

const INDUSTRIES = [
  { name: 'manufacturing', weight: 0.3, risk: 0 },
  { name: 'wholesale-retail', weight: 0.3, risk: 0.15 },
  { name: 'agriculture', weight: 0.12, risk: 0.35 },
  { name: 'marine-economy', weight: 0.1, risk: 0.25 },
  { name: 'logistics', weight: 0.18, risk: 0.1 },
] as const;

export type SyntheticRole = Exclude<Role, 'holder'>;

export const CITY_NAMES: readonly string[] = CITIES.map((c) => c.name);
export const INDUSTRY_NAMES: readonly string[] = INDUSTRIES.map((x) => x.name);

export interface SyntheticOptions {
  seed: number;
  businesses: number;
  defaultRate: number;
  labelNoise: number;
  parties: { id: string; role: Role; coverage: number }[];
}

export interface Population {
  ids: string[];
  city: string[];
  industry: string[];
  label: Uint8Array;
  /** the hidden default logit, and the uniform draw the label came from (label = draw < sigmoid(logit)): the referee's, to shift risk */
  riskLogit: Float64Array;
  labelDraw: Float64Array;
  /** the referee's hidden attributes for the portfolio stage */
  truth: BusinessTruth;
  /** every role's columns for every business (a party only gets its customers' rows) */
  features: Record<SyntheticRole, Record<string, (number | string)[]>>;
  /** per party id: the row indices of the businesses it has records of, in file order */
  members: Map<string, number[]>;
}

const round4 = (x: number) => Math.round(x * 10_000) / 10_000;
const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

function zscore(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  let m = 0;
  for (let i = 0; i < n; i++) m += values[i] as number;
  m /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += ((values[i] as number) - m) ** 2;
  const sd = Math.sqrt(v / n) || 1;
  return Float64Array.from(values, (x) => (x - m) / sd);
}

function shuffled(n: number, rng: Rng): number[] {
  const idx = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [idx[i], idx[j]] = [idx[j] as number, idx[i] as number];
  }
  return idx;
}

export function generatePopulation(opts: SyntheticOptions): Population {
  const n = opts.businesses;
  const rng = createRng(opts.seed);
  const idRng = rng.fork('ids');
  const latentRng = rng.fork('latent');
  const featRng = rng.fork('features');
  const labelRng = rng.fork('labels');

  const ids: string[] = [];
  const city: string[] = [];
  const industry: string[] = [];
  const used = new Set<string>();
  const size = new Float64Array(n);
  const zf = new Float64Array(n);
  const zt = new Float64Array(n);
  const zg = new Float64Array(n);
  const health = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const c = idRng.pick(
      CITIES,
      CITIES.map((x) => x.weight),
    );
    let id: string;
    do id = makeUscc(c.division, idRng.int(0, 99_999_999));
    while (used.has(id));
    used.add(id);
    ids.push(id);
    city.push(c.name);
    industry.push(
      idRng.pick(
        INDUSTRIES,
        INDUSTRIES.map((x) => x.weight),
      ).name,
    );
    size[i] = Math.exp(0.8 * latentRng.normal());
    // a common business-health factor shared by all three views, plus one factor per view
    const common = latentRng.normal();
    health[i] = common;
    zf[i] = 0.6 * common + 0.8 * latentRng.normal();
    zt[i] = 0.6 * common + 0.8 * latentRng.normal();
    zg[i] = 0.5 * common + 0.866 * latentRng.normal();
  }

  const bank: Record<string, number[]> = Object.fromEntries(ROLE_COLUMNS.bank.map((c) => [c.name, [] as number[]]));
  const tax: Record<string, (number | string)[]> = Object.fromEntries(ROLE_COLUMNS.tax.map((c) => [c.name, [] as (number | string)[]]));
  const guar: Record<string, number[]> = Object.fromEntries(ROLE_COLUMNS.guarantor.map((c) => [c.name, [] as number[]]));
  const push = (t: Record<string, (number | string)[]>, k: string, v: number | string) => (t[k] as (number | string)[]).push(v);
  for (let i = 0; i < n; i++) {
    const s = size[i] as number;
    const f = zf[i] as number;
    const t = zt[i] as number;
    const g = zg[i] as number;
    const r = featRng;
    push(bank, 'loan_balance', Math.round(s * 600_000 * Math.exp(0.5 * r.normal() - 0.15 * f)));
    const u = -f + 0.7 * r.normal();
    push(bank, 'max_overdue_days_12m', u > 0.8 ? Math.min(365, Math.round(5 * Math.exp(1.3 * (u - 0.8)) + 10 * r.next())) : 0);
    push(bank, 'avg_monthly_inflow', Math.round(s * 300_000 * Math.exp(0.35 * f + 0.3 * r.normal())));
    push(bank, 'credit_utilisation', round4(sigmoid(0.3 - 0.9 * f + 0.5 * r.normal())));
    push(bank, 'months_as_customer', r.int(3, 180));

    push(tax, 'annual_vat_paid', Math.round(s * 90_000 * Math.exp(0.35 * t + 0.4 * r.normal())));
    push(tax, 'invoice_count', Math.round(s * 400 * Math.exp(0.25 * t + 0.3 * r.normal())));
    push(tax, 'revenue_growth_yoy', round4(Math.max(-0.95, 0.06 + 0.12 * t + 0.12 * r.normal())));
    const gradeSignal = t + 0.6 * r.normal();
    const grade = r.next() < 0.04 ? 'M' : gradeSignal > 0.9 ? 'A' : gradeSignal > 0 ? 'B' : gradeSignal > -0.9 ? 'C' : 'D';
    push(tax, 'tax_credit_grade', grade);
    push(tax, 'months_continuous_filing', clamp(Math.round(40 + 20 * t + 15 * r.normal()), 0, 240));

    push(guar, 'guaranteed_amount', Math.round(s * 400_000 * Math.exp(0.4 * r.normal())));
    push(guar, 'past_compensation_count', r.poisson(0.15 * Math.exp(-1.1 * g)));
    push(guar, 'collateral_coverage_ratio', round4(Math.max(0, 0.9 + 0.3 * g + 0.25 * r.normal())));
    push(guar, 'currently_guaranteed', r.bernoulli(sigmoid(0.4 - 0.5 * g)) ? 1 : 0);
  }

  // the hidden model: a latent logit over all parties' features (standardised over the population)
  const num = (t: Record<string, (number | string)[]>, k: string) => zscore((t[k] as number[]).map(Number));
  const logInflow = zscore((bank.avg_monthly_inflow as number[]).map((x) => Math.log1p(x)));
  const logVat = zscore((tax.annual_vat_paid as number[]).map((x) => Math.log1p(x)));
  const overdue = num(bank, 'max_overdue_days_12m');
  const util = num(bank, 'credit_utilisation');
  const filing = num(tax, 'months_continuous_filing');
  const growth = num(tax, 'revenue_growth_yoy');
  const comp = num(guar, 'past_compensation_count');
  const coll = num(guar, 'collateral_coverage_ratio');
  const gradeRisk: Record<string, number> = { A: -0.7, B: -0.2, C: 0.3, D: 1.0, M: 0.5 };
  const industryRisk = new Map<string, number>(INDUSTRIES.map((x) => [x.name, x.risk]));
  const base = new Float64Array(n);
  const noise = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const z = labelRng.normal();
    noise[i] = z;
    base[i] =
      0.6 * (overdue[i] as number) +
      0.5 * (util[i] as number) -
      0.4 * (logInflow[i] as number) -
      0.5 * (filing[i] as number) -
      0.4 * (growth[i] as number) -
      0.3 * (logVat[i] as number) +
      (gradeRisk[tax.tax_credit_grade?.[i] as string] ?? 0) +
      0.7 * (comp[i] as number) -
      0.5 * (coll[i] as number) +
      (industryRisk.get(industry[i] as string) ?? 0) +
      opts.labelNoise * z;
  }
  // calibrate the intercept so the expected default rate matches the scenario
  let lo = -20;
  let hi = 20;
  for (let it = 0; it < 60; it++) {
    const mid = (lo + hi) / 2;
    let mean = 0;
    for (let i = 0; i < n; i++) mean += sigmoid(mid + (base[i] as number));
    if (mean / n > opts.defaultRate) hi = mid;
    else lo = mid;
  }
  const b0 = (lo + hi) / 2;
  const label = new Uint8Array(n);
  const riskLogit = new Float64Array(n);
  const labelDraw = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    riskLogit[i] = b0 + (base[i] as number);
    labelDraw[i] = labelRng.next();
    label[i] = (labelDraw[i] as number) < sigmoid(riskLogit[i] as number) ? 1 : 0;
  }

  const members = new Map<string, number[]>();
  for (const p of opts.parties) {
    const pr = rng.fork(`members:${p.id}`);
    members.set(
      p.id,
      shuffled(n, pr).filter(() => pr.next() < p.coverage),
    );
  }
  // added later than the rest: streams of their own, independent of the party list, so older files stay as they were
  const extra = createRng(opts.seed);
  const sources = generateSources({ size, common: health, noise, industry }, extra.fork('sources'));
  const truth = generateTruth({ city, industry, size, monthsAsCustomer: bank.months_as_customer as number[], guarantorView: zg }, extra.fork('truth'));
  return { ids, city, industry, label, riskLogit, labelDraw, truth, features: { bank, tax, guarantor: guar, ...sources }, members };
}

/** The CSV a party receives: its own columns for its own customers, in its own order. */
export function partyCsv(pop: Population, partyId: string, role: SyntheticRole): string {
  const cols = ROLE_COLUMNS[role].map((c) => c.name);
  const table = pop.features[role];
  const lines = [['business_id', ...cols].join(',')];
  for (const i of pop.members.get(partyId) ?? []) {
    lines.push([pop.ids[i], ...cols.map((c) => String((table[c] as (number | string)[])[i]))].join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** Ground truth for the referee only: never given to a party. */
export function populationCsv(pop: Population): string {
  const lines = ['business_id,city,industry,default_next_12m,division,division_type,first_loan,guarantee_eligible,drawn_share,hidden_pd'];
  const t = pop.truth;
  for (let i = 0; i < pop.ids.length; i++)
    lines.push(
      `${pop.ids[i]},${pop.city[i]},${pop.industry[i]},${pop.label[i]},${t.division[i]},${t.divisionType[i]},${t.firstLoan[i]},${t.guaranteeEligible[i]},${t.drawnShare[i]},${sigmoid(pop.riskLogit[i] as number).toPrecision(6)}`,
    );
  return `${lines.join('\n')}\n`;
}

/** The recipient's applicants: a seeded sample of its own customers. */
export function pickApplicants(pop: Population, recipient: string, count: number | 'all', seed: number): string[] {
  return sampleApplicants(
    (pop.members.get(recipient) ?? []).map((i) => pop.ids[i] as string),
    count,
    seed,
  );
}

/** A seeded sample of a party's own records, in a seeded order. */
export function sampleApplicants(own: readonly string[], count: number | 'all', seed: number): string[] {
  const order = shuffled(own.length, createRng(seed).fork('applicants'));
  const take = count === 'all' ? order.length : Math.min(count, order.length);
  return order.slice(0, take).map((k) => own[k] as string);
}
