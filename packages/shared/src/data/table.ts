/**
 * A strict loader for a party's own CSV. The loader is the only way a node
 * reads its data: a bad row is an error that names the file, the line and
 * the column, and nothing partial is returned.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { FedError } from '../util/errors.ts';
import { type IdFormat, RECORD_ID_PATTERN } from '../wire/ids.ts';
import type { TableSchema } from './columns.ts';
import { parseCsv } from './csv.ts';
import { IdIndex } from './id-index.ts';
import { parsePlainPartyCsv } from './plain-csv.ts';
import { usccProblem } from './uscc.ts';

/** Why an id is not acceptable under a format, or undefined. */
export function idProblem(id: string, format: IdFormat): string | undefined {
  if (format === 'uscc') {
    const p = usccProblem(id);
    return p ? `is not a unified social credit code: ${p}` : undefined;
  }
  return RECORD_ID_PATTERN.test(id) ? undefined : 'is not a record id (letters, digits, _ . : -, at most 64 characters)';
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

/**
 * Largest magnitude a numeric cell may have. Squares must stay finite when a
 * column is standardised (1e200 would zero a feature, 1e308 make it NaN), and
 * no amount in this domain comes near it.
 */
const MAX_ABS_CELL = 1e15;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Shows a cell in an error without letting a huge cell make a huge message. */
export function quoteCell(cell: string): string {
  return cell.length > 40 ? `"${cell.slice(0, 40)}..." (${cell.length} characters)` : `"${cell}"`;
}

/** A numeric cell's value, or why it is not one: decimal notation only (no hex, no Infinity), bounded. */
export function readNumberCell(cell: string): { value: number } | { problem: string } {
  if (!DECIMAL.test(cell)) return { problem: `${quoteCell(cell)} is not a number` };
  const value = Number(cell);
  if (!Number.isFinite(value) || Math.abs(value) > MAX_ABS_CELL) return { problem: `${quoteCell(cell)} is out of range (|x| <= ${MAX_ABS_CELL})` };
  return { value };
}

/** id -> row of each table, built once (the loader's duplicate check builds it anyway). */
const ROWS = new WeakMap<PartyTable, IdIndex>();

/** Where each id sits in the table, built on first use and kept with the table. */
export function rowIndexOf(table: PartyTable): IdIndex {
  let rows = ROWS.get(table);
  if (!rows) {
    rows = IdIndex.of(table.ids);
    ROWS.set(table, rows);
  }
  return rows;
}

/** Records the id index a loader built while checking for duplicates. */
export function setRowIndex(table: PartyTable, index: IdIndex): void {
  ROWS.set(table, index);
}

export function parsePartyCsv(text: string, schema: TableSchema, file: string): PartyTable {
  const name = basename(file);
  // plain valid files take the fast path; anything else (quotes, CR, any problem) the strict one, which names it
  const plain = parsePlainPartyCsv(text, schema);
  if (plain) {
    const table: PartyTable = { file: name, ids: plain.ids, numeric: plain.numeric, categorical: plain.categorical };
    ROWS.set(table, plain.rowOf);
    return table;
  }
  return parseStrict(text, schema, name);
}

/** The strict loader alone (csv-parse): what the fast path must agree with. */
export function parseStrict(text: string, schema: TableSchema, name: string): PartyTable {
  const specs = schema.columns;
  const rows = parseCsv(text, name);
  const problems: string[] = [];
  const fail = (): never => {
    const more = problems.length > MAX_REPORTED ? `\n  ... and ${problems.length - MAX_REPORTED} more` : '';
    throw new FedError(
      'DATA_ERR_CSV',
      `${name}: ${problems.length > MAX_REPORTED ? `more than ${MAX_REPORTED}` : problems.length} problem(s):\n  ${problems.slice(0, MAX_REPORTED).join('\n  ')}${more}`,
      {
        details: { file: name, problems: problems.slice(0, MAX_REPORTED) },
      },
    );
  };
  const headerRow = rows[0];
  if (!headerRow) {
    problems.push(`${name} line 1: the file is empty, expected a header row`);
    return fail();
  }
  const header = headerRow.cells.map((h) => h.trim());
  const expected = [ID_COLUMN, ...specs.map((s) => s.name)];
  for (const col of expected) if (!header.includes(col)) problems.push(`${name} line ${headerRow.line}: missing column "${col}"`);
  for (const col of header)
    if (!expected.includes(col))
      problems.push(`${name} line ${headerRow.line}: unknown column ${quoteCell(col)} (this file should have ${expected.join(', ')})`);
  if (new Set(header).size !== header.length) problems.push(`${name} line ${headerRow.line}: a column name appears twice`);
  if (problems.length) return fail();

  const index = new Map(header.map((h, i) => [h, i]));
  const body = rows.slice(1);
  const ids: string[] = [];
  const numeric = new Map<string, Float64Array>();
  const categorical = new Map<string, string[]>();
  for (const s of specs) {
    if (s.kind === 'category') categorical.set(s.name, []);
    else numeric.set(s.name, new Float64Array(body.length));
  }
  const seen = new Map<string, number>();
  body.forEach(({ line, cells }, r) => {
    const at = `${name} line ${line}`;
    if (problems.length > MAX_REPORTED) return; // enough to fix first; the count says there is more
    if (cells.length !== header.length) {
      problems.push(`${at}: has ${cells.length} cells, the header has ${header.length}`);
      return;
    }
    const id = (cells[index.get(ID_COLUMN) as number] ?? '').trim();
    const bad = idProblem(id, schema.idFormat);
    if (bad) problems.push(`${at}, column "${ID_COLUMN}": ${quoteCell(id)} ${bad}`);
    const dup = seen.get(id);
    if (dup !== undefined) problems.push(`${at}, column "${ID_COLUMN}": ${quoteCell(id)} already appears on line ${dup}`);
    seen.set(id, line);
    ids.push(id);
    for (const s of specs) {
      const cell = (cells[index.get(s.name) as number] ?? '').trim();
      const where = `${at}, column "${s.name}"`;
      if (s.kind === 'category') {
        if (s.categories ? !s.categories.includes(cell) : cell === '')
          problems.push(`${where}: ${quoteCell(cell)} is not one of ${s.categories?.join(', ') ?? 'the categories (an empty cell)'}`);
        categorical.get(s.name)?.push(cell);
        continue;
      }
      const read = readNumberCell(cell);
      if ('problem' in read) {
        problems.push(`${where}: ${read.problem}`);
        continue;
      }
      const value = read.value;
      if (s.kind === 'integer' && !Number.isInteger(value)) problems.push(`${where}: ${quoteCell(cell)} is not a whole number`);
      if (s.min !== undefined && value < s.min) problems.push(`${where}: ${cell} is below the minimum ${s.min}`);
      if (s.max !== undefined && value > s.max) problems.push(`${where}: ${cell} is above the maximum ${s.max}`);
      (numeric.get(s.name) as Float64Array)[r] = value;
    }
  });
  if (problems.length) return fail();
  return { file: name, ids, numeric, categorical };
}

/** A party's CSV file; `pool` as parsePlainPartyCsv takes it. */
export async function loadPartyCsv(path: string, schema: TableSchema, pool?: IdIndex): Promise<PartyTable> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (cause) {
    throw new FedError('DATA_ERR_FILE', `cannot read data file ${path}: ${(cause as Error).message}`, { cause });
  }
  const plain = parsePlainPartyCsv(bytes, schema, pool);
  if (plain) {
    const table: PartyTable = { file: basename(path), ids: plain.ids, numeric: plain.numeric, categorical: plain.categorical };
    ROWS.set(table, plain.rowOf);
    return table;
  }
  return parseStrict(bytes.toString('utf8'), schema, basename(path));
}
