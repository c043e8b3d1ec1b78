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
import { csvRow, csvRows, parseCsv } from '../data/csv.ts';
import { IdIndex } from '../data/id-index.ts';
import { isReasonCode, type ReasonDirection } from '../model/reason-codes.ts';
import { bandText, type FinalReason, MAX_BAND, NO_COST_BAND } from '../model/reasons.ts';
import { FedError } from '../util/errors.ts';
import { partyIdSchema } from '../wire/ids.ts';
import { writeCsvBlocks } from './files.ts';

export interface DecisionRow {
  id: string;
  decision: 'approve' | 'reject' | 'review';
  policyReason: 'score' | 'grade' | 'no-limit';
  grade: string;
  score: number;
  limit: number;
  credit: boolean;
  /** empty for approved applicants */
  reasons: FinalReason[];
}

const DECISIONS_HEADER = ['business_id', 'decision', 'policy_reason', 'grade', 'score', 'limit', 'credit', 'reasons'];

function reasonToken(r: FinalReason): string {
  const band = r.band === NO_COST_BAND ? 'none' : bandText(r.band, r.width);
  return [r.party, r.code, encodeURIComponent(r.column), r.direction, band].join('/');
}

const tokenSchema = z.tuple([partyIdSchema, z.string().refine(isReasonCode), z.string().min(1), z.enum(['high', 'low', 'category']), z.string()]);

function parseToken(token: string, where: string): FinalReason {
  const parsed = tokenSchema.safeParse(token.split('/'));
  if (!parsed.success) throw new FedError('JOB_ERR_MISMATCH', `${where}: "${token.slice(0, 80)}" is not party/code/column/direction/band`);
  const [party, code, column, direction, band] = parsed.data;
  const base = { party, code, column: decodeURIComponent(column), direction: direction as ReasonDirection };
  if (band === 'none') return { ...base, band: NO_COST_BAND, width: 0, filled: true };
  const top = /^(\d+(?:\.\d+)?)\+$/.exec(band);
  if (top) return { ...base, band: MAX_BAND, width: Number(top[1]) / MAX_BAND, filled: false };
  const range = /^(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)$/.exec(band);
  const lo = Number(range?.[1]);
  const width = Number(range?.[2]) - lo;
  if (!range || !(width > 0)) throw new FedError('JOB_ERR_MISMATCH', `${where}: band "${band.slice(0, 20)}" is not lo-hi, lo+ or none`);
  return { ...base, band: Math.round(lo / width), width, filled: false };
}

/** Writes decisions.csv (owner-only), a block of rows at a time. */
export function writeDecisionsCsv(path: string, rows: readonly DecisionRow[]): void {
  writeCsvBlocks(path, DECISIONS_HEADER, rows.length, (i) => {
    const d = rows[i] as DecisionRow;
    return csvRow([d.id, d.decision, d.policyReason, d.grade, d.score.toFixed(2), d.limit, d.credit ? 1 : 0, d.reasons.map(reasonToken).join(';')]);
  });
}

const decisionSchema = z.enum(['approve', 'reject', 'review']);
const policyReasonSchema = z.enum(['score', 'grade', 'no-limit']);

/**
 * The recipient's decisions as the referee holds them: columns, not an object per applicant
 * (a million rows of objects cost a third of a gigabyte); a row is made when asked for.
 */
export interface DecisionTable {
  readonly size: number;
  get(id: string): DecisionRow | undefined;
  /** every row, in the file's order */
  values(): IterableIterator<DecisionRow>;
}

/** Reads the recipient's decisions; every field checked, every id once. */
export async function readDecisionsCsv(path: string): Promise<DecisionTable> {
  const decisions = decisionSchema.options;
  const policyReasons = policyReasonSchema.options;
  const index = new IdIndex();
  const decision: number[] = [];
  const policyReason: number[] = [];
  const grades: string[] = [];
  const scores: number[] = [];
  const limits: number[] = [];
  const credit: boolean[] = [];
  const reasons = new Map<number, FinalReason[]>();
  // each grade's text once, not once per row
  const gradeText = new Map<string, string>();
  let header = true;
  for (const { line, cells } of csvRows(await readText(path), path)) {
    if (header) {
      if (cells.join(',') !== DECISIONS_HEADER.join(','))
        throw new FedError('DATA_ERR_CSV', `${path} line 1: expected the header ${DECISIONS_HEADER.join(',')}`);
      header = false;
      continue;
    }
    const [id, d, r, grade, score, limit, c, listed] = cells;
    const di = decisions.indexOf(d as DecisionRow['decision']);
    const ri = policyReasons.indexOf(r as DecisionRow['policyReason']);
    const sc = Number(score);
    const li = Number(limit);
    if (!id || cells.length !== DECISIONS_HEADER.length || di < 0 || ri < 0 || !grade || !Number.isFinite(sc) || !Number.isFinite(li) || !index.add(id))
      throw new FedError(
        'JOB_ERR_MISMATCH',
        `${path} line ${line}: expected ${DECISIONS_HEADER.join(',')} with a known decision and finite numbers, each id once`,
      );
    const row = decision.length;
    decision.push(di);
    policyReason.push(ri);
    let g = gradeText.get(grade);
    if (g === undefined) {
      g = grade;
      gradeText.set(grade, g);
    }
    grades.push(g);
    scores.push(sc);
    limits.push(li);
    credit.push(c === '1');
    if (listed)
      reasons.set(
        row,
        listed.split(';').map((t) => parseToken(t, `${path} line ${line}`)),
      );
  }
  if (header) throw new FedError('DATA_ERR_CSV', `${path} line 1: expected the header ${DECISIONS_HEADER.join(',')}`);
  const decisionAt = Uint8Array.from(decision);
  const reasonAt = Uint8Array.from(policyReason);
  const scoreAt = Float64Array.from(scores);
  const limitAt = Float64Array.from(limits);
  const rowAt = (row: number): DecisionRow => ({
    id: index.ids[row] as string,
    decision: decisions[decisionAt[row] as number] as DecisionRow['decision'],
    policyReason: policyReasons[reasonAt[row] as number] as DecisionRow['policyReason'],
    grade: grades[row] as string,
    score: scoreAt[row] as number,
    limit: limitAt[row] as number,
    credit: credit[row] as boolean,
    reasons: reasons.get(row)?.slice() ?? [],
  });
  return {
    size: index.size,
    get: (id) => {
      const row = index.get(id);
      return row === undefined ? undefined : rowAt(row);
    },
    values: function* () {
      for (let row = 0; row < index.size; row++) yield rowAt(row);
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
  try {
    return await readFile(path, 'utf8');
  } catch (cause) {
    throw new FedError('DATA_ERR_FILE', `cannot read ${path}: ${(cause as Error).message}`, { cause });
  }
}
