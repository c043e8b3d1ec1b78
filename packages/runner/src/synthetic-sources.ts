/**
 * The seed's data sources beyond tax and guarantee records: a power utility,
 * social security and a logistics platform, each an optional party role with
 * its own columns (ROLE_COLUMNS.power, .social, .logistics).
 *
 * Their effect on the hidden default risk: the hidden logit's noise term z
 * (what bank, tax bureau and guarantor cannot see) is, in this world,
 * z = a_power e_power + a_social e_social + a_logistics e_logistics + residual,
 * with independent standard normal factors e. The factors are drawn given z
 * from their exact conditional law (mean a z, covariance I - a a'), from
 * their own RNG streams, so the original roles' files and the labels of every
 * existing seed stay byte for byte what they were.
 */
import { type Rng, sigmoid } from '@fedrisk/shared';

/** how much of the hidden noise term each source's factor carries (sum of squares < 1) */
export const SOURCE_EFFECTS = { power: 0.55, social: 0.5, logistics: 0.35 } as const;

const KWH_BY_INDUSTRY: Record<string, number> = { manufacturing: 3, 'wholesale-retail': 0.6, agriculture: 1.4, 'marine-economy': 1.8, logistics: 0.9 };
const SHIPMENTS_BY_INDUSTRY: Record<string, number> = { manufacturing: 1.2, 'wholesale-retail': 2, agriculture: 0.6, 'marine-economy': 0.8, logistics: 4 };

const round4 = (x: number) => Math.round(x * 10_000) / 10_000;
const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

export interface SourceInputs {
  /** business size, the common health factor, the hidden noise term z (standard normal) and the industry, per business */
  size: Float64Array;
  common: Float64Array;
  noise: Float64Array;
  industry: readonly string[];
}

export type SourceTables = Record<'power' | 'social' | 'logistics', Record<string, number[]>>;

/** The three sources' columns for every business; `rng` is a stream of their own. */
export function generateSources(inp: SourceInputs, rng: Rng): SourceTables {
  const n = inp.size.length;
  const latent = rng.fork('latent');
  const r = { power: rng.fork('power'), social: rng.fork('social'), logistics: rng.fork('logistics') };
  const a = [SOURCE_EFFECTS.power, SOURCE_EFFECTS.social, SOURCE_EFFECTS.logistics];
  const s = a.reduce((t, x) => t + x * x, 0);
  // (I - beta a a')^2 = I - a a': the square root of the conditional covariance
  const beta = (1 - Math.sqrt(1 - s)) / s;
  const power: Record<string, number[]> = { monthly_kwh: [], kwh_trend_3m: [], bill_arrears_12m: [] };
  const social: Record<string, number[]> = { insured_headcount: [], headcount_change_mom: [], contribution_months_continuous: [] };
  const logistics: Record<string, number[]> = { monthly_shipments: [], shipment_trend_3m: [], on_time_payment_ratio: [] };
  const push = (t: Record<string, number[]>, k: string, v: number) => (t[k] as number[]).push(v);
  for (let i = 0; i < n; i++) {
    const z = inp.noise[i] as number;
    const xi = [latent.normal(), latent.normal(), latent.normal()];
    const d = a.reduce((t, ak, k) => t + ak * (xi[k] as number), 0);
    // risk factors: higher means more likely to default
    const [ep, es, el] = a.map((ak, k) => ak * z + (xi[k] as number) - beta * ak * d) as [number, number, number];
    const size = inp.size[i] as number;
    const health = inp.common[i] as number;
    const ind = inp.industry[i] as string;
    const p = r.power;
    push(power, 'monthly_kwh', Math.round(size * 9_000 * (KWH_BY_INDUSTRY[ind] ?? 1) * Math.exp(0.2 * health - 0.15 * ep + 0.4 * p.normal())));
    push(power, 'kwh_trend_3m', round4(clamp(0.02 + 0.04 * health - 0.1 * ep + 0.06 * p.normal(), -0.95, 5)));
    push(power, 'bill_arrears_12m', Math.min(12, p.poisson(0.25 * Math.exp(0.9 * ep - 0.3 * health))));
    const q = r.social;
    push(social, 'insured_headcount', Math.max(1, Math.round(size * 12 * Math.exp(0.2 * health + 0.3 * q.normal()))));
    push(social, 'headcount_change_mom', round4(clamp(0.004 + 0.01 * health - 0.025 * es + 0.015 * q.normal(), -0.9, 5)));
    push(social, 'contribution_months_continuous', clamp(Math.round(36 + 8 * health - 14 * es + 10 * q.normal()), 0, 240));
    const l = r.logistics;
    push(logistics, 'monthly_shipments', Math.round(size * 150 * (SHIPMENTS_BY_INDUSTRY[ind] ?? 1) * Math.exp(0.15 * health - 0.1 * el + 0.4 * l.normal())));
    push(logistics, 'shipment_trend_3m', round4(clamp(0.03 + 0.04 * health - 0.1 * el + 0.07 * l.normal(), -0.95, 5)));
    push(logistics, 'on_time_payment_ratio', round4(sigmoid(2 + 0.3 * health - 0.9 * el + 0.4 * l.normal())));
  }
  return { power, social, logistics };
}
