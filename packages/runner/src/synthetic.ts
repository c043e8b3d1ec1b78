/**
 * Seeded synthetic SME population in the spirit of the Shandong SME finance
 * report: businesses in six cities and five industries, each with a unified
 * social credit code. A hidden default label comes from a latent model over
 * all parties' features plus noise, calibrated to the scenario's default rate,
 * so that no single party sees everything that drives risk.
 * Same seed, same files, byte for byte.
 */
import { createRng, IdIndex, makeUscc, type Rng, ROLE_COLUMNS, type Role, sigmoid } from '@fedrisk/shared';
import { CsvText } from './csv-text.ts';
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
  /** where each id sits: the index its drawing checked uniqueness with (row = population index) */
  index: IdIndex;
  city: string[];
  industry: string[];
  label: Uint8Array;
  /** the hidden default logit, and the uniform draw the label came from (label = draw < sigmoid(logit)): the referee's, to shift risk */
  riskLogit: Float64Array;
  labelDraw: Float64Array;
  /** the referee's hidden attributes for the portfolio stage */
  truth: BusinessTruth;
  /** every role's columns for every business (a party only gets its customers' rows); numbers in typed arrays (or plain arrays) */
  features: Record<SyntheticRole, Record<string, Float64Array | number[] | string[]>>;
  /** per party id: the row indices of the businesses it has records of, in file order */
  members: Map<string, Int32Array>;
}

/** What the referee keeps of the world once the parties' files are written: the hidden risk and attributes, not the columns. */
export type PopulationTruth = Omit<Population, 'features' | 'members'>;

const round4 = (x: number) => Math.round(x * 10_000) / 10_000;
const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

function zscore(values: Float64Array): Float64Array {
  const n = values.length;
  let m = 0;
  for (let i = 0; i < n; i++) m += values[i] as number;
  m /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += ((values[i] as number) - m) ** 2;
  const sd = Math.sqrt(v / n) || 1;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = ((values[i] as number) - m) / sd;
  return out;
}

function shuffled(n: number, rng: Rng): Int32Array {
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    const t = idx[i] as number;
    idx[i] = idx[j] as number;
    idx[j] = t;
  }
  return idx;
}

/** One typed column per name (the generator fills them row by row). */
function numericColumns(names: readonly string[], n: number): Record<string, Float64Array> {
  return Object.fromEntries(names.map((name) => [name, new Float64Array(n)]));
}

// The order of every random draw below is part of the data: same seed, same bytes. Change it and refit the shipped weights.
export function generatePopulation(opts: SyntheticOptions): Population {
  const n = opts.businesses;
  const rng = createRng(opts.seed);
  const idRng = rng.fork('ids');
  const latentRng = rng.fork('latent');
  const featRng = rng.fork('features');
  const labelRng = rng.fork('labels');

  const ids: string[] = new Array(n);
  const city: string[] = new Array(n);
  const industry: string[] = new Array(n);
  const used = new IdIndex(n);
  const size = new Float64Array(n);
  const zf = new Float64Array(n);
  const zt = new Float64Array(n);
  const zg = new Float64Array(n);
  const health = new Float64Array(n);
  const cityWeights = CITIES.map((x) => x.weight);
  const industryWeights = INDUSTRIES.map((x) => x.weight);
  for (let i = 0; i < n; i++) {
    const c = idRng.pick(CITIES, cityWeights);
    let id: string;
    do id = makeUscc(c.division, idRng.int(0, 99_999_999));
    while (!used.add(id));
    ids[i] = id;
    city[i] = c.name;
    industry[i] = idRng.pick(INDUSTRIES, industryWeights).name;
    size[i] = Math.exp(0.8 * latentRng.normal());
    // a common business-health factor shared by all three views, plus one factor per view
    const common = latentRng.normal();
    health[i] = common;
    zf[i] = 0.6 * common + 0.8 * latentRng.normal();
    zt[i] = 0.6 * common + 0.8 * latentRng.normal();
    zg[i] = 0.5 * common + 0.866 * latentRng.normal();
  }

  const bank = numericColumns(
    ROLE_COLUMNS.bank.map((c) => c.name),
    n,
  );
  const taxNumbers = numericColumns(
    ROLE_COLUMNS.tax.filter((c) => c.kind !== 'category').map((c) => c.name),
    n,
  );
  const grades: string[] = new Array(n);
  const guar = numericColumns(
    ROLE_COLUMNS.guarantor.map((c) => c.name),
    n,
  );
  const col = (t: Record<string, Float64Array>, k: string) => t[k] as Float64Array;
  const [loan, overdueDays, inflow, utilisation, months] = [
    'loan_balance',
    'max_overdue_days_12m',
    'avg_monthly_inflow',
    'credit_utilisation',
    'months_as_customer',
  ].map((k) => col(bank, k)) as Float64Array[];
  const [vat, invoices, growthYoy, filingMonths] = ['annual_vat_paid', 'invoice_count', 'revenue_growth_yoy', 'months_continuous_filing'].map((k) =>
    col(taxNumbers, k),
  ) as Float64Array[];
  const [guaranteed, compensations, collateral, current] = [
    'guaranteed_amount',
    'past_compensation_count',
    'collateral_coverage_ratio',
    'currently_guaranteed',
  ].map((k) => col(guar, k)) as Float64Array[];
  const r = featRng;
  for (let i = 0; i < n; i++) {
    const s = size[i] as number;
    const f = zf[i] as number;
    const t = zt[i] as number;
    const g = zg[i] as number;
    (loan as Float64Array)[i] = Math.round(s * 600_000 * Math.exp(0.5 * r.normal() - 0.15 * f));
    const u = -f + 0.7 * r.normal();
    (overdueDays as Float64Array)[i] = u > 0.8 ? Math.min(365, Math.round(5 * Math.exp(1.3 * (u - 0.8)) + 10 * r.next())) : 0;
    (inflow as Float64Array)[i] = Math.round(s * 300_000 * Math.exp(0.35 * f + 0.3 * r.normal()));
    (utilisation as Float64Array)[i] = round4(sigmoid(0.3 - 0.9 * f + 0.5 * r.normal()));
    (months as Float64Array)[i] = r.int(3, 180);

    (vat as Float64Array)[i] = Math.round(s * 90_000 * Math.exp(0.35 * t + 0.4 * r.normal()));
    (invoices as Float64Array)[i] = Math.round(s * 400 * Math.exp(0.25 * t + 0.3 * r.normal()));
    (growthYoy as Float64Array)[i] = round4(Math.max(-0.95, 0.06 + 0.12 * t + 0.12 * r.normal()));
    const gradeSignal = t + 0.6 * r.normal();
    grades[i] = r.next() < 0.04 ? 'M' : gradeSignal > 0.9 ? 'A' : gradeSignal > 0 ? 'B' : gradeSignal > -0.9 ? 'C' : 'D';
    (filingMonths as Float64Array)[i] = clamp(Math.round(40 + 20 * t + 15 * r.normal()), 0, 240);

    (guaranteed as Float64Array)[i] = Math.round(s * 400_000 * Math.exp(0.4 * r.normal()));
    (compensations as Float64Array)[i] = r.poisson(0.15 * Math.exp(-1.1 * g));
    (collateral as Float64Array)[i] = round4(Math.max(0, 0.9 + 0.3 * g + 0.25 * r.normal()));
    (current as Float64Array)[i] = r.bernoulli(sigmoid(0.4 - 0.5 * g)) ? 1 : 0;
  }
  // the tax file's columns in their declared order, the grade among them
  const tax: Record<string, Float64Array | string[]> = Object.fromEntries(
    ROLE_COLUMNS.tax.map((c) => [c.name, c.kind === 'category' ? grades : (taxNumbers[c.name] as Float64Array)]),
  );

  // the hidden model: a latent logit over all parties' features (standardised over the population)
  const logInflow = zscore((inflow as Float64Array).map((x) => Math.log1p(x)));
  const logVat = zscore((vat as Float64Array).map((x) => Math.log1p(x)));
  const overdue = zscore(overdueDays as Float64Array);
  const util = zscore(utilisation as Float64Array);
  const filing = zscore(filingMonths as Float64Array);
  const growth = zscore(growthYoy as Float64Array);
  const comp = zscore(compensations as Float64Array);
  const coll = zscore(collateral as Float64Array);
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
      (gradeRisk[grades[i] as string] ?? 0) +
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

  const members = new Map<string, Int32Array>();
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
  const truth = generateTruth({ city, industry, size, monthsAsCustomer: months as Float64Array, guarantorView: zg }, extra.fork('truth'));
  return { ids, index: used, city, industry, label, riskLogit, labelDraw, truth, features: { bank, tax, guarantor: guar, ...sources }, members };
}

/** The CSV a party receives: its own columns for its own customers, in its own order. */
export function partyCsv(pop: Population, partyId: string, role: SyntheticRole): string {
  const cols = ROLE_COLUMNS[role].map((c) => c.name);
  const table = pop.features[role];
  const columns = cols.map((c) => table[c] as Float64Array | number[] | string[]);
  const numbers = columns.map((c) => (c instanceof Float64Array || typeof c[0] === 'number' ? (c as ArrayLike<number>) : undefined));
  const out = new CsvText().text(['business_id', ...cols].join(',')).byte(NL);
  for (const i of pop.members.get(partyId) ?? []) {
    out.text(pop.ids[i] as string);
    for (let k = 0; k < columns.length; k++) {
      out.byte(COMMA);
      const num = numbers[k];
      if (num) out.number(num[i] as number);
      else out.text((columns[k] as string[])[i] as string);
    }
    out.byte(NL);
  }
  return out.toString();
}

/** Ground truth for the referee only: never given to a party. */
export function populationCsv(pop: Population): string {
  const out = new CsvText()
    .text('business_id,city,industry,default_next_12m,division,division_type,first_loan,guarantee_eligible,drawn_share,hidden_pd')
    .byte(NL);
  const t = pop.truth;
  for (let i = 0; i < pop.ids.length; i++) {
    out
      .text(pop.ids[i] as string)
      .byte(COMMA)
      .text(pop.city[i] as string)
      .byte(COMMA)
      .text(pop.industry[i] as string)
      .byte(COMMA)
      .number(pop.label[i] as number)
      .text(
        `,${t.division[i]},${t.divisionType[i]},${t.firstLoan[i]},${t.guaranteeEligible[i]},${t.drawnShare[i]},${sigmoid(pop.riskLogit[i] as number).toPrecision(6)}`,
      )
      .byte(NL);
  }
  return out.toString();
}

const NL = 10;
const COMMA = 44;

/** The recipient's applicants: a seeded sample of its own customers. */
export function pickApplicants(pop: Population, recipient: string, count: number | 'all', seed: number): string[] {
  return sampleApplicants(
    Array.from(pop.members.get(recipient) ?? [], (i) => pop.ids[i] as string),
    count,
    seed,
  );
}

/** A seeded sample of a party's own records, in a seeded order. */
export function sampleApplicants(own: readonly string[], count: number | 'all', seed: number): string[] {
  const order = shuffled(own.length, createRng(seed).fork('applicants'));
  const take = count === 'all' ? order.length : Math.min(count, order.length);
  return Array.from(order.subarray(0, take), (k) => own[k] as string);
}
