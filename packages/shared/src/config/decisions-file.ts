/**
 * The recipient's decisions file (out/decisions.csv, next to scores.csv) and
 * each party's own notice values (out/reason-values.csv): written by the
 * nodes, read by the referee, one checked format each.
 *
 * decisions.csv: business_id,decision,policy_reason,grade,score,limit,credit,reasons
 *   reasons: the final reasons, most costly first, `;`-separated, each
 *   party/code/column/direction/band with band "lo-hi" points, "lo+" (the top
 *   band) or "none" (listed to reach the minimum; it cost no points); the
 *   column URI-encoded. Codes and bands only: no party's value.
 * reason-values.csv: business_id,code,column,value: a party's own value of a
 *   column it gave as a reason, for the notice the applicant may see.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { csvRow, csvRows, isPlainBytes, parseCsv, plainByteLines, textInterner } from '../data/csv.ts';
import { IdIndex } from '../data/id-index.ts';
import { type CreditPolicy, type Decision, decide, type PolicyDecision } from '../model/policy.ts';
import { isReasonCode, type ReasonDirection } from '../model/reason-codes.ts';
import { bandText, type FinalReason, MAX_BAND, NO_COST_BAND } from '../model/reasons.ts';
import { FedError } from '../util/errors.ts';
import { partyIdSchema } from '../wire/ids.ts';
import { checkColumns, writeCsvBlocks } from './files.ts';

export interface DecisionRow {
  id: string;
  decision: Decision;
  policyReason: PolicyDecision['reason'];
  grade: string;
  score: number;
  limit: number;
  credit: boolean;
  /** empty for approved applicants */
  reasons: FinalReason[];
}

const DECISIONS: readonly Decision[] = ['approve', 'reject', 'review'];
const POLICY_REASONS: readonly PolicyDecision['reason'][] = ['score', 'grade', 'no-limit'];

/**
 * The recipient's decisions as columns, a row per applicant: written by its
 * node, read back by the referee. An object per applicant cost about
 * 160 MB at a million; a row object is made only when asked for.
 */
export interface DecisionTable {
  readonly ids: readonly string[];
  /** index into approve, reject, review */
  readonly decision: Uint8Array;
  /** index into score, grade, no-limit */
  readonly policyReason: Uint8Array;
  readonly grades: readonly string[];
  /** the score as published: 2 decimals */
  readonly scores: Float64Array;
  readonly limits: Float64Array;
  /** 1: the grade qualifies for a credit loan */
  readonly credit: Uint8Array;
  /** the final reasons of the rows not approved, by row */
  readonly reasons: Map<number, FinalReason[]>;
}

/** Columns for `ids`, every row still to be decided (setDecision). */
export function decisionTable(ids: readonly string[], grades: readonly string[]): DecisionTable {
  const n = ids.length;
  return {
    ids,
    decision: new Uint8Array(n),
    policyReason: new Uint8Array(n),
    grades,
    scores: new Float64Array(n),
    limits: new Float64Array(n),
    credit: new Uint8Array(n),
    reasons: new Map(),
  };
}

/** Row `row`'s decision under the policy, for the score as published. */
export function setDecision(t: DecisionTable, row: number, score: number, d: PolicyDecision): void {
  t.decision[row] = DECISIONS.indexOf(d.decision);
  t.policyReason[row] = POLICY_REASONS.indexOf(d.reason);
  t.scores[row] = score;
  t.limits[row] = d.limit;
  t.credit[row] = d.credit ? 1 : 0;
}

/**
 * The policy's decision for every row: the scores as published, `limitValue(row)` the row's value in the policy's
 * limit column (undefined: the policy has none). The recipient's node decides this way, and the referee again to
 * check it.
 */
export function decideAll(
  policy: CreditPolicy,
  cutoff: number,
  ids: readonly string[],
  grades: readonly string[],
  scores: ArrayLike<number>,
  limitValue: (row: number) => number | undefined,
): DecisionTable {
  const t = decisionTable(ids, grades);
  for (let row = 0; row < ids.length; row++) {
    const score = scores[row] as number;
    setDecision(t, row, score, decide(policy, cutoff, { score, grade: grades[row] as string, limitValue: limitValue(row) }));
  }
  return t;
}

export const decisionOf = (t: DecisionTable, row: number): Decision => DECISIONS[t.decision[row] as number] as Decision;

/** Row `row` as an object: for a reader that wants one, one at a time. */
export function decisionRowAt(t: DecisionTable, row: number): DecisionRow {
  return {
    id: t.ids[row] as string,
    decision: decisionOf(t, row),
    policyReason: POLICY_REASONS[t.policyReason[row] as number] as PolicyDecision['reason'],
    grade: t.grades[row] as string,
    score: t.scores[row] as number,
    limit: t.limits[row] as number,
    credit: t.credit[row] === 1,
    reasons: t.reasons.get(row)?.slice() ?? [],
  };
}

const DECISIONS_HEADER = ['business_id', 'decision', 'policy_reason', 'grade', 'score', 'limit', 'credit', 'reasons'];

function reasonToken(r: FinalReason): string {
  const band = r.band === NO_COST_BAND ? 'none' : bandText(r.band, r.width);
  return [r.party, r.code, encodeURIComponent(r.column), r.direction, band].join('/');
}

const tokenSchema = z.tuple([partyIdSchema, z.string().refine(isReasonCode), z.string().min(1), z.enum(['high', 'low', 'category']), z.string()]);

function parseToken(token: string, where: string, own: (s: string) => string): FinalReason {
  const parsed = tokenSchema.safeParse(token.split('/'));
  if (!parsed.success) throw new FedError('JOB_ERR_MISMATCH', `${where}: "${token.slice(0, 80)}" is not party/code/column/direction/band`);
  const [party, code, column, direction, band] = parsed.data;
  const base = { party: own(party), code: own(code), column: own(decodeURIComponent(column)), direction: direction as ReasonDirection };
  if (band === 'none') return { ...base, band: NO_COST_BAND, width: 0, filled: true };
  const top = /^(\d+(?:\.\d+)?)\+$/.exec(band);
  if (top) return { ...base, band: MAX_BAND, width: Number(top[1]) / MAX_BAND, filled: false };
  const range = /^(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)$/.exec(band);
  const lo = Number(range?.[1]);
  const width = Number(range?.[2]) - lo;
  if (!range || !(width > 0)) throw new FedError('JOB_ERR_MISMATCH', `${where}: band "${band.slice(0, 20)}" is not lo-hi, lo+ or none`);
  return { ...base, band: Math.round(lo / width), width, filled: false };
}

/** Writes decisions.csv (owner-only) through writeCsvBlocks; refuses columns that do not line up with the ids. */
export function writeDecisionsCsv(path: string, t: DecisionTable): void {
  const n = t.ids.length;
  checkColumns('decisions', n, [t.decision, t.policyReason, t.grades, t.scores, t.limits, t.credit]);
  writeCsvBlocks(path, DECISIONS_HEADER, n, (i) =>
    csvRow([
      t.ids[i] as string,
      decisionOf(t, i),
      POLICY_REASONS[t.policyReason[i] as number] as string,
      t.grades[i] as string,
      (t.scores[i] as number).toFixed(2),
      t.limits[i] as number,
      t.credit[i] as number,
      (t.reasons.get(i) ?? []).map(reasonToken).join(';'),
    ]),
  );
}

/** The recipient's decisions as the referee holds them: the columns, looked up by id. */
export interface DecisionsById {
  readonly size: number;
  get(id: string): DecisionRow | undefined;
  /** every row, in the file's order */
  values(): IterableIterator<DecisionRow>;
}

/**
 * Reads the recipient's decisions; every field checked, every id once. `known`: the ids the caller expects, in order
 * (the applicants): a row with the expected id keeps the caller's string instead of one more copy of it.
 */
export async function readDecisionsCsv(path: string, known?: readonly string[]): Promise<DecisionsById> {
  const index = new IdIndex();
  const decision: number[] = [];
  const policyReason: number[] = [];
  const grades: string[] = [];
  const scores: number[] = [];
  const limits: number[] = [];
  const credit: number[] = [];
  const reasons = new Map<number, FinalReason[]>();
  // a grade, party, code or column: each text once (not once per row), as a string of its own
  const own = textInterner();
  let header = true;
  for (const { line, cells, id: ownId } of decisionRows(await readBytes(path), path)) {
    if (header) {
      if (cells.join(',') !== DECISIONS_HEADER.join(','))
        throw new FedError('DATA_ERR_CSV', `${path} line 1: expected the header ${DECISIONS_HEADER.join(',')}`);
      header = false;
      continue;
    }
    const [first, d, r, grade, score, limit, c, listed] = cells;
    const id = ownId ?? first;
    const di = DECISIONS.indexOf(d as Decision);
    const ri = POLICY_REASONS.indexOf(r as PolicyDecision['reason']);
    const sc = Number(score);
    const li = Number(limit);
    const same = known?.[decision.length];
    if (
      !id ||
      cells.length !== DECISIONS_HEADER.length ||
      di < 0 ||
      ri < 0 ||
      !grade ||
      !Number.isFinite(sc) ||
      !Number.isFinite(li) ||
      !index.add(same === id ? same : id)
    )
      throw new FedError(
        'JOB_ERR_MISMATCH',
        `${path} line ${line}: expected ${DECISIONS_HEADER.join(',')} with a known decision and finite numbers, each id once`,
      );
    const row = decision.length;
    decision.push(di);
    policyReason.push(ri);
    grades.push(own(grade));
    scores.push(sc);
    limits.push(li);
    credit.push(c === '1' ? 1 : 0);
    if (listed)
      reasons.set(
        row,
        listed.split(';').map((t) => parseToken(t, `${path} line ${line}`, own)),
      );
  }
  if (header) throw new FedError('DATA_ERR_CSV', `${path} line 1: expected the header ${DECISIONS_HEADER.join(',')}`);
  const t: DecisionTable = {
    ids: index.ids,
    decision: Uint8Array.from(decision),
    policyReason: Uint8Array.from(policyReason),
    grades,
    scores: Float64Array.from(scores),
    limits: Float64Array.from(limits),
    credit: Uint8Array.from(credit),
    reasons,
  };
  return {
    size: index.size,
    get: (id) => {
      const row = index.get(id);
      return row === undefined ? undefined : decisionRowAt(t, row);
    },
    values: function* () {
      for (let row = 0; row < index.size; row++) yield decisionRowAt(t, row);
    },
  };
}

export interface ReasonValue {
  id: string;
  code: string;
  column: string;
  value: string;
}

const VALUES_HEADER = ['business_id', 'code', 'column', 'value'];

/** A party's own notice values, owner-only. */
export function writeReasonValuesCsv(path: string, rows: readonly ReasonValue[]): void {
  writeCsvBlocks(path, VALUES_HEADER, rows.length, (i) => {
    const r = rows[i] as ReasonValue;
    return csvRow([r.id, r.code, r.column, r.value]);
  });
}

/** A party's own notice values. */
export async function readReasonValuesCsv(path: string): Promise<ReasonValue[]> {
  const rows = parseCsv(await readText(path), path);
  if (rows[0]?.cells.join(',') !== VALUES_HEADER.join(','))
    throw new FedError('DATA_ERR_CSV', `${path} line 1: expected the header ${VALUES_HEADER.join(',')}`);
  return rows.slice(1).map(({ line, cells }) => {
    const [id, code, column, value] = cells;
    if (!id || !code || !isReasonCode(code) || !column || value === undefined || cells.length !== 4)
      throw new FedError('DATA_ERR_CSV', `${path} line ${line}: expected ${VALUES_HEADER.join(',')} with a known code`);
    return { id, code, column, value };
  });
}

async function readText(path: string): Promise<string> {
  return (await readBytes(path)).toString('utf8');
}

async function readBytes(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (cause) {
    throw new FedError('DATA_ERR_FILE', `cannot read ${path}: ${(cause as Error).message}`, { cause });
  }
}

/**
 * The rows of a decisions file. A plain file's lines are decoded one at a
 * time and each row's id on its own (`id`): cut from the whole text, a
 * million ids would keep the text alive (60 MB at a million rows).
 */
function* decisionRows(bytes: Buffer, path: string): Generator<{ line: number; cells: string[]; id?: string }> {
  if (!isPlainBytes(bytes)) {
    yield* csvRows(bytes.toString('utf8'), path);
    return;
  }
  for (const { line, start, end } of plainByteLines(bytes)) {
    const comma = bytes.indexOf(44, start);
    yield { line, cells: bytes.toString('utf8', start, end).split(','), id: bytes.toString('utf8', start, comma < 0 || comma > end ? end : comma) };
  }
}
