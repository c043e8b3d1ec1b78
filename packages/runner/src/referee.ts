/**
 * The simulation's referee. Unlike any party or the coordinator it may read
 * every file: it recomputes each score in plaintext and measures what the
 * encrypted pipeline produced and what sharing buys over the bank alone.
 */
import { FedError, type PartyModel, type PartyTable, partialLogitsFor, readScoreLogits, rowsOf, type ScoreColumns } from '@fedrisk/shared';
import { type BankBaseline, type BaselineBasis, baselineLogits, basisOf } from './baseline.ts';
import { type CurveSet, computeCurves, type GradeDistribution, gradeDistribution } from './curves.ts';
import { auc } from './stats.ts';

export interface RefereeParty {
  id: string;
  /** the party's own table, as its file holds it */
  table: () => Promise<PartyTable>;
  model: PartyModel;
}

export interface Verification {
  maxAbsLogitError: number;
  meanAbsLogitError: number;
  auc: number;
  ks: number;
  /** AUC of the plaintext joint logits (what the encrypted run should reproduce) */
  plainAuc: number;
  /** the bank's own columns alone, fitted out of sample (see bankOnlyBasis); NaN (null) when it could not be fitted */
  bankOnlyAuc: number;
  bankOnlyKs: number;
  /** what the bank-alone model was fitted on: never the applicants it is scored on */
  bankOnlyBasis: BaselineBasis;
  defaults: number;
  defaultRate: number;
  /** per party: applicants it has no record of, as the referee counts them */
  gaps: Record<string, number>;
  scored: number;
  /** ROC and KS curves on the hidden labels: their AUC and KS are the ones above, to the last digit */
  curves: { joint: CurveSet; bankOnly?: CurveSet };
  /** the recipient's scores by grade, with each grade's hidden default rate */
  grades: GradeDistribution;
}

/** Values by record id. */
export interface ById {
  get(id: string): number | undefined;
}

/** The recipient's decrypted logits, by record id and in its file's order. */
export interface ScoresById extends ById {
  values(): Iterable<number>;
}

/** The recipient's decrypted logits (from its scores.csv, checked by its schema). */
export async function readScores(file: string): Promise<ScoresById> {
  return scoresById(await readScoreLogits(file));
}

/** Scores read as columns, looked up by record id. */
export function scoresById({ logits, index }: ScoreColumns): ScoresById {
  return { get: (id) => (index.has(id) ? logits[index.get(id) as number] : undefined), values: () => logits.values() };
}

export async function verify(opts: {
  parties: RefereeParty[];
  recipient: string;
  applicants: readonly string[];
  labels: ById;
  /** the recipient's scores file, as columns */
  scores: ScoreColumns;
  baseline: BankBaseline;
  /** per party: applicants whose record it does not contribute (no valid authorisation): it sends its neutral value */
  withheld?: ReadonlyMap<string, ReadonlySet<string>> | undefined;
}): Promise<Verification> {
  const { applicants } = opts;
  const plain = new Float64Array(applicants.length);
  const gaps: Record<string, number> = {};
  for (const p of opts.parties) {
    const table = await p.table();
    const withheld = opts.withheld?.get(p.id);
    const ids = withheld?.size ? applicants.map((id) => (withheld.has(id) ? '' : id)) : applicants;
    const partial = partialLogitsFor(table, p.model, ids);
    // a gap is a record the party does not have; a withheld record it has is counted by governance instead
    gaps[p.id] = partial.gaps - (withheld?.size ? rowsOf(table, [...withheld]).filter((r) => r >= 0).length : 0);
    for (let i = 0; i < plain.length; i++) plain[i] = (plain[i] as number) + (partial.values[i] as number);
  }
  let maxErr = 0;
  let sumErr = 0;
  const joint = new Float64Array(applicants.length);
  const y = new Uint8Array(applicants.length);
  const scored = opts.scores;
  const grades = new Array<string>(applicants.length);
  const points = new Float64Array(applicants.length);
  applicants.forEach((id, i) => {
    // the recipient wrote its scores in applicant order
    const at = scored.index.get(id, i);
    const got = at === undefined ? undefined : scored.logits[at];
    if (at === undefined || got === undefined || !Number.isFinite(got))
      throw new FedError('JOB_ERR_MISMATCH', `the recipient's scores have no value for business ${id}`);
    joint[i] = got;
    grades[i] = scored.grades[at] as string;
    points[i] = scored.scores[at] as number;
    const err = Math.abs(got - (plain[i] as number));
    maxErr = Math.max(maxErr, err);
    sumErr += err;
    y[i] = opts.labels.get(id) ?? 0;
  });
  const recipient = opts.parties.find((p) => p.id === opts.recipient) as RefereeParty;
  const bankOnly = baselineLogits(opts.baseline, await recipient.table(), applicants);
  const fitted = opts.baseline.fit !== undefined;
  const defaults = y.reduce((s, v) => s + v, 0);
  // the curves' AUC and KS are stats.ts's to the last digit (the same exact counts): each score list is sorted once
  const jointCurves = computeCurves(joint, y);
  const bankOnlyCurves = fitted ? computeCurves(bankOnly, y) : undefined;
  return {
    maxAbsLogitError: maxErr,
    meanAbsLogitError: applicants.length ? sumErr / applicants.length : 0,
    auc: jointCurves.auc,
    ks: jointCurves.ks,
    plainAuc: auc(plain, y),
    bankOnlyAuc: bankOnlyCurves?.auc ?? Number.NaN,
    bankOnlyKs: bankOnlyCurves?.ks ?? Number.NaN,
    bankOnlyBasis: basisOf(opts.baseline),
    defaults,
    defaultRate: applicants.length ? defaults / applicants.length : 0,
    gaps,
    scored: applicants.length,
    curves: { joint: jointCurves, ...(bankOnlyCurves ? { bankOnly: bankOnlyCurves } : {}) },
    grades: gradeDistribution(grades, points, y),
  };
}
