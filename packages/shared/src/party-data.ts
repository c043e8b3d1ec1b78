/**
 * What each role's CSV holds, and a strict loader for it. The loader is the
 * only way a node reads its data: a bad row is an error that names the file,
 * the line and the column, and nothing partial is returned.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { FedError } from './errors.ts';
import type { Role } from './protocol.ts';
import { usccProblem } from './uscc.ts';

export type ColumnKind = 'number' | 'integer' | 'category';
export interface ColumnSpec {
  name: string;
  kind: ColumnKind;
  min?: number;
  max?: number;
  categories?: readonly string[];
  description: string;
}

export const TAX_GRADES = ['A', 'B', 'C', 'D', 'M'] as const;

export const ROLE_COLUMNS: Record<Role, readonly ColumnSpec[]> = {
  bank: [
    { name: 'loan_balance', kind: 'number', min: 0, description: 'outstanding loan balance, CNY' },
    { name: 'max_overdue_days_12m', kind: 'integer', min: 0, max: 366, description: 'longest overdue spell in the last 12 months, days' },
    { name: 'avg_monthly_inflow', kind: 'number', min: 0, description: 'average monthly inflow to the business accounts, CNY' },
    { name: 'credit_utilisation', kind: 'number', min: 0, max: 1, description: 'drawn share of the credit line' },
    { name: 'months_as_customer', kind: 'integer', min: 0, max: 1200, description: 'months since the business became a customer' },
  ],
  tax: [
    { name: 'annual_vat_paid', kind: 'number', min: 0, description: 'VAT paid in the last year, CNY' },
    { name: 'invoice_count', kind: 'integer', min: 0, description: 'VAT invoices issued in the last year' },
    { name: 'revenue_growth_yoy', kind: 'number', min: -1, max: 100, description: 'revenue growth year on year, ratio' },
    { name: 'tax_credit_grade', kind: 'category', categories: TAX_GRADES, description: 'tax credit grade (A best, D worst, M new)' },
    { name: 'months_continuous_filing', kind: 'integer', min: 0, max: 1200, description: 'months of continuous, on-time filing' },
  ],
  guarantor: [
    { name: 'guaranteed_amount', kind: 'number', min: 0, description: 'amount currently or last guaranteed, CNY' },
    { name: 'past_compensation_count', kind: 'integer', min: 0, max: 1000, description: 'default payouts the guarantor made for the business' },
    { name: 'collateral_coverage_ratio', kind: 'number', min: 0, max: 100, description: 'collateral value over guaranteed amount' },
    { name: 'currently_guaranteed', kind: 'integer', min: 0, max: 1, description: '1 if a guarantee is in force' },
  ],
};

export const ID_COLUMN = 'business_id';

/** One party's records, column by column. Categorical cells stay strings. */
export interface PartyTable {
  file: string;
  ids: string[];
  numeric: Map<string, Float64Array>;
  categorical: Map<string, string[]>;
}

const MAX_REPORTED = 10;

/** Splits one CSV line, honouring double quotes (RFC 4180, no embedded newlines). */
export function splitCsvLine(line: string): string[] | undefined {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"' && cell === '') quoted = true;
    else if (ch === ',') {
      cells.push(cell);
      cell = '';
    } else cell += ch;
  }
  if (quoted) return undefined;
  cells.push(cell);
  return cells;
}

/** Lines of a CSV text with their 1-based line numbers, blank lines skipped. */
export function csvLines(text: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  const raw = text.split('\n');
  for (let i = 0; i < raw.length; i++) {
    const t = (raw[i] ?? '').replace(/\r$/, '');
    if (t.trim() !== '') out.push({ line: i + 1, text: t });
  }
  return out;
}

export function parsePartyCsv(text: string, role: Role, file: string): PartyTable {
  const name = basename(file);
  const specs = ROLE_COLUMNS[role];
  const lines = csvLines(text);
  const problems: string[] = [];
  const fail = (): never => {
    const more = problems.length > MAX_REPORTED ? `\n  ... and ${problems.length - MAX_REPORTED} more` : '';
    throw new FedError('DATA_ERR_CSV', `${name}: ${problems.length} problem(s):\n  ${problems.slice(0, MAX_REPORTED).join('\n  ')}${more}`, {
      details: { file: name, problems: problems.slice(0, MAX_REPORTED) },
    });
  };
  const headerLine = lines[0];
  if (!headerLine) {
    problems.push(`${name} line 1: the file is empty, expected a header row`);
    return fail();
  }
  const header = splitCsvLine(headerLine.text)?.map((h) => h.trim()) ?? [];
  const expected = [ID_COLUMN, ...specs.map((s) => s.name)];
  for (const col of expected) if (!header.includes(col)) problems.push(`${name} line ${headerLine.line}: missing column "${col}"`);
  for (const col of header)
    if (!expected.includes(col)) problems.push(`${name} line ${headerLine.line}: unknown column "${col}" (a ${role} file has ${expected.join(', ')})`);
  if (new Set(header).size !== header.length) problems.push(`${name} line ${headerLine.line}: a column name appears twice`);
  if (problems.length) return fail();

  const index = new Map(header.map((h, i) => [h, i]));
  const rows = lines.slice(1);
  const ids: string[] = [];
  const numeric = new Map<string, Float64Array>();
  const categorical = new Map<string, string[]>();
  for (const s of specs) {
    if (s.kind === 'category') categorical.set(s.name, []);
    else numeric.set(s.name, new Float64Array(rows.length));
  }
  const seen = new Map<string, number>();
  rows.forEach((row, r) => {
    const cells = splitCsvLine(row.text);
    const at = `${name} line ${row.line}`;
    if (!cells) {
      problems.push(`${at}: unterminated quoted cell`);
      return;
    }
    if (cells.length !== header.length) {
      problems.push(`${at}: has ${cells.length} cells, the header has ${header.length}`);
      return;
    }
    const id = (cells[index.get(ID_COLUMN) as number] ?? '').trim();
    const idProblem = usccProblem(id);
    if (idProblem) problems.push(`${at}, column "${ID_COLUMN}": "${id}" is not a unified social credit code: ${idProblem}`);
    const dup = seen.get(id);
    if (dup !== undefined) problems.push(`${at}, column "${ID_COLUMN}": "${id}" already appears on line ${dup}`);
    seen.set(id, row.line);
    ids.push(id);
    for (const s of specs) {
      const cell = (cells[index.get(s.name) as number] ?? '').trim();
      const where = `${at}, column "${s.name}"`;
      if (s.kind === 'category') {
        if (!s.categories?.includes(cell)) problems.push(`${where}: "${cell}" is not one of ${s.categories?.join(', ')}`);
        categorical.get(s.name)?.push(cell);
        continue;
      }
      const value = cell === '' ? Number.NaN : Number(cell);
      if (!Number.isFinite(value)) {
        problems.push(`${where}: "${cell}" is not a number`);
        continue;
      }
      if (s.kind === 'integer' && !Number.isInteger(value)) problems.push(`${where}: "${cell}" is not a whole number`);
      if (s.min !== undefined && value < s.min) problems.push(`${where}: ${cell} is below the minimum ${s.min}`);
      if (s.max !== undefined && value > s.max) problems.push(`${where}: ${cell} is above the maximum ${s.max}`);
      (numeric.get(s.name) as Float64Array)[r] = value;
    }
  });
  if (problems.length) return fail();
  return { file: name, ids, numeric, categorical };
}

export async function loadPartyCsv(path: string, role: Role): Promise<PartyTable> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new FedError('DATA_ERR_FILE', `cannot read data file ${path}: ${(cause as Error).message}`, { cause });
  }
  return parsePartyCsv(text, role, path);
}
