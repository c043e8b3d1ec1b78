/**
 * What each role's CSV holds, and a strict loader for it. The loader is the
 * only way a node reads its data: a bad row is an error that names the file,
 * the line and the column, and nothing partial is returned.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { z } from 'zod';
import { FedError } from './errors.ts';
import type { IdFormat, Role } from './protocol.ts';
import { usccProblem } from './uscc.ts';

export const TAX_GRADES = ['A', 'B', 'C', 'D', 'M'];

export const columnSpecSchema = z
  .object({
    name: z.string().min(1),
    kind: z.enum(['number', 'integer', 'category']),
    min: z.number().optional(),
    max: z.number().optional(),
    categories: z.array(z.string()).optional(),
    description: z.string().default(''),
  })
  .strict();
export type ColumnSpec = z.infer<typeof columnSpecSchema>;

export const ROLE_COLUMNS: Record<Exclude<Role, 'holder'>, readonly ColumnSpec[]> = {
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

/** What a party's file holds: its role's fixed columns (synthetic data) or the columns its scenario gives it. */
export interface TableSchema {
  columns: readonly ColumnSpec[];
  idFormat: IdFormat;
}

export function roleSchemaOf(role: Role): TableSchema {
  if (role === 'holder') throw new Error('a holder has no fixed columns: its scenario lists them');
  return { columns: ROLE_COLUMNS[role], idFormat: 'uscc' };
}

/** Why an id is not acceptable under a format, or undefined. */
export function idProblem(id: string, format: IdFormat): string | undefined {
  if (format === 'uscc') {
    const p = usccProblem(id);
    return p ? `is not a unified social credit code: ${p}` : undefined;
  }
  return /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/.test(id) ? undefined : 'is not a record id (letters, digits, _ . : -, at most 64 characters)';
}

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

export function parsePartyCsv(text: string, schema: TableSchema, file: string): PartyTable {
  const name = basename(file);
  const specs = schema.columns;
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
    if (!expected.includes(col)) problems.push(`${name} line ${headerLine.line}: unknown column "${col}" (this file should have ${expected.join(', ')})`);
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
    const bad = idProblem(id, schema.idFormat);
    if (bad) problems.push(`${at}, column "${ID_COLUMN}": "${id}" ${bad}`);
    const dup = seen.get(id);
    if (dup !== undefined) problems.push(`${at}, column "${ID_COLUMN}": "${id}" already appears on line ${dup}`);
    seen.set(id, row.line);
    ids.push(id);
    for (const s of specs) {
      const cell = (cells[index.get(s.name) as number] ?? '').trim();
      const where = `${at}, column "${s.name}"`;
      if (s.kind === 'category') {
        if (s.categories ? !s.categories.includes(cell) : cell === '')
          problems.push(`${where}: "${cell}" is not one of ${s.categories?.join(', ') ?? 'the categories (an empty cell)'}`);
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

export async function loadPartyCsv(path: string, schema: TableSchema): Promise<PartyTable> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new FedError('DATA_ERR_FILE', `cannot read data file ${path}: ${(cause as Error).message}`, { cause });
  }
  return parsePartyCsv(text, schema, path);
}
