/**
 * The simulation's referee. Unlike any party or the coordinator it may read
 * every file: it recomputes each score in plaintext and measures what the
 * encrypted pipeline produced and what sharing buys over the bank alone.
 */
import { FedError, loadPartyCsv, modelColumnsFor, type PartyModel, type PartyTable, partialLogitsFor, readScoresCsv, type TableSchema } from '@fedrisk/shared';
import { auc, crossFittedScores, ks } from './stats.ts';

export interface RefereeParty {
  id: string;
  schema: TableSchema;
  dataFile: string;
  model: PartyModel;
}

export interface Verification {
  maxAbsLogitError: number;
  meanAbsLogitError: number;
  auc: number;
  ks: number;
  /** AUC of the plaintext joint logits (what the encrypted run should reproduce) */
  plainAuc: number;
  /** the bank's own columns alone, scored out of sample (how: bankOnlyMethod) */
  bankOnlyAuc: number;
  bankOnlyKs: number;
  /** cross-fitted: 5-fold on the applicants; trained: the training algorithm on the bank's columns of the training rows */
  bankOnlyMethod: 'cross-fitted' | 'trained';
  defaults: number;
  defaultRate: number;
  /** per party: applicants it has no record of, as the referee counts them */
  gaps: Record<string, number>;
  scored: number;
}

/** The recipient's decrypted logits, by record id (from its scores.csv, checked by its schema). */
export async function readScores(file: string): Promise<Map<string, number>> {
  const scores = await readScoresCsv(file);
  return new Map([...scores].map(([id, s]) => [id, s.logit]));
}

export async function verify(opts: {
  parties: RefereeParty[];
  recipient: string;
  applicants: readonly string[];
  labels: Map<string, number>;
  scores: Map<string, number>;
  /** after training: the referee's bank-alone model, trained on the training rows like the joint one */
  bankOnly?: ((ids: readonly string[]) => Float64Array) | undefined;
}): Promise<Verification> {
  const { applicants } = opts;
  const plain = new Float64Array(applicants.length);
  const gaps: Record<string, number> = {};
  const tables = new Map<string, PartyTable>();
  for (const p of opts.parties) {
    const table = await loadPartyCsv(p.dataFile, p.schema);
    tables.set(p.id, table);
    const partial = partialLogitsFor(table, p.model, applicants);
    gaps[p.id] = partial.gaps;
    for (let i = 0; i < plain.length; i++) plain[i] = (plain[i] as number) + (partial.values[i] as number);
  }
  let maxErr = 0;
  let sumErr = 0;
  const joint = new Float64Array(applicants.length);
  const y = new Uint8Array(applicants.length);
  applicants.forEach((id, i) => {
    const got = opts.scores.get(id);
    if (got === undefined || !Number.isFinite(got)) throw new FedError('JOB_ERR_MISMATCH', `the recipient's scores have no value for business ${id}`);
    joint[i] = got;
    const err = Math.abs(got - (plain[i] as number));
    maxErr = Math.max(maxErr, err);
    sumErr += err;
    y[i] = opts.labels.get(id) ?? 0;
  });
  const recipient = opts.parties.find((p) => p.id === opts.recipient) as RefereeParty;
  // out of sample, as the joint scores are: never fitted on the labels it is measured against
  const bankOnly = opts.bankOnly
    ? opts.bankOnly(applicants)
    : crossFittedScores(modelColumnsFor(tables.get(recipient.id) as PartyTable, recipient.model, applicants).columns, y);
  const defaults = y.reduce((s, v) => s + v, 0);
  return {
    maxAbsLogitError: maxErr,
    meanAbsLogitError: applicants.length ? sumErr / applicants.length : 0,
    auc: auc(joint, y),
    ks: ks(joint, y),
    plainAuc: auc(plain, y),
    bankOnlyAuc: auc(bankOnly, y),
    bankOnlyKs: ks(bankOnly, y),
    bankOnlyMethod: opts.bankOnly ? 'trained' : 'cross-fitted',
    defaults,
    defaultRate: applicants.length ? defaults / applicants.length : 0,
    gaps,
    scored: applicants.length,
  };
}
