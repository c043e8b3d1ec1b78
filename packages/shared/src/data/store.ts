/**
 * A party's records in an embedded analytical store instead of CSV: a Parquet
 * file, or a DuckDB database file holding a table `records`. Both are read
 * and written through DuckDB (@duckdb/node-api): it runs in the party's own
 * process (no server), reads Parquet natively, and hands back typed columns.
 * The checks are the CSV loader's: the same columns, id format, ranges,
 * categories and duplicates, each problem naming the file, row and column.
 */
import { chmodSync, existsSync, rmSync } from 'node:fs';
import { basename } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { FedError } from '../util/errors.ts';
import type { ColumnSpec, DataFormat, TableSchema } from './columns.ts';
import { IdIndex } from './id-index.ts';
import { ID_COLUMN, idProblem, loadPartyCsv, type PartyTable, quoteCell, setRowIndex } from './table.ts';
import { usccValid } from './uscc.ts';

export type StoreFormat = Exclude<DataFormat, 'csv'>;
/** The table a DuckDB database file holds a party's records in. */
export const STORE_TABLE = 'records';

const MAX_REPORTED = 10;
const MAX_ABS_CELL = 1e15;
const NUMERIC = /^(DOUBLE|FLOAT|REAL|DECIMAL.*|TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT)$/;

const sqlString = (s: string) => `'${s.replaceAll("'", "''")}'`;
const sqlName = (s: string) => `"${s.replaceAll('"', '""')}"`;

/** A party's own records in any format its config names; `pool` as parsePlainPartyCsv takes it (CSV only). */
export function loadPartyData(path: string, schema: TableSchema, format: DataFormat, pool?: IdIndex): Promise<PartyTable> {
  return format === 'csv' ? loadPartyCsv(path, schema, pool) : loadPartyStore(path, schema, format);
}

/** One DuckDB in this process for one task: small, and closed when done. Loaded on first use: only processes that read a store need it. */
async function withDuckDb<T>(path: string, readOnly: boolean, fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
  const { DuckDBConnection, DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(path, { threads: '2', memory_limit: '512MB', ...(readOnly ? { access_mode: 'READ_ONLY' } : {}) });
  const connection = await DuckDBConnection.create(instance);
  try {
    return await fn(connection);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

function sourceOf(path: string, format: StoreFormat): string {
  return format === 'parquet' ? `read_parquet(${sqlString(path)})` : sqlName(STORE_TABLE);
}

/** Loads and checks a party's own Parquet file or DuckDB database. */
export async function loadPartyStore(path: string, schema: TableSchema, format: StoreFormat): Promise<PartyTable> {
  const name = basename(path);
  if (!existsSync(path)) throw new FedError('DATA_ERR_FILE', `cannot read data file ${path}: no such file`);
  try {
    return await withDuckDb(format === 'parquet' ? ':memory:' : path, format === 'duckdb', (c) => readTable(c, path, name, schema, format));
  } catch (err) {
    if (err instanceof FedError) throw err;
    throw new FedError(
      'DATA_ERR_STORE',
      `${name}: cannot read it as ${format === 'parquet' ? 'a Parquet file' : `a DuckDB database with a table "${STORE_TABLE}"`}: ${(err as Error).message.split('\n')[0]}`,
      {
        cause: err,
        details: { file: name },
      },
    );
  }
}

async function readTable(c: DuckDBConnection, path: string, name: string, schema: TableSchema, format: StoreFormat): Promise<PartyTable> {
  const source = sourceOf(path, format);
  const described = (await c.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`)).getRowObjects();
  const types = new Map(described.map((r) => [String(r.column_name), String(r.column_type)]));
  const specs = schema.columns;
  const expected = [ID_COLUMN, ...specs.map((s) => s.name)];
  const problems: string[] = [];
  for (const col of expected) if (!types.has(col)) problems.push(`missing column "${col}"`);
  for (const col of types.keys()) if (!expected.includes(col)) problems.push(`unknown column ${quoteCell(col)} (this file should have ${expected.join(', ')})`);
  if (types.has(ID_COLUMN) && types.get(ID_COLUMN) !== 'VARCHAR') problems.push(`column "${ID_COLUMN}" must be text (VARCHAR), is ${types.get(ID_COLUMN)}`);
  for (const s of specs) {
    const t = types.get(s.name);
    if (t === undefined) continue;
    if (s.kind === 'category' ? t !== 'VARCHAR' : !NUMERIC.test(t))
      problems.push(`column "${s.name}" must be ${s.kind === 'category' ? 'text (VARCHAR)' : 'a number type'}, is ${t}`);
  }
  if (problems.length) throw storeError(name, problems);

  const select = [sqlName(ID_COLUMN), ...specs.map((s) => (s.kind === 'category' ? sqlName(s.name) : `CAST(${sqlName(s.name)} AS DOUBLE)`))].join(', ');
  const text = await textColumns(c, source, [ID_COLUMN, ...specs.filter((s) => s.kind === 'category').map((s) => s.name)]);
  const total = text.rows;
  // a plain scan keeps the file's order (DuckDB's preserve_insertion_order, on by default)
  const result = await c.run(`SELECT ${select} FROM ${source}`);
  const ids: string[] = [];
  const index = new IdIndex(total);
  const numbers = specs.map((s) => (s.kind === 'category' ? undefined : new Float64Array(total)));
  const categories: string[][] = specs.map(() => []);
  const allowed = specs.map((s) => (s.categories ? new Set(s.categories) : undefined));
  let base = 0;
  for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0 && problems.length <= MAX_REPORTED; chunk = await result.fetchChunk()) {
    const rows = Math.min(chunk.rowCount, total - base);
    const idVector = chunk.getColumnVector(0);
    // the text columns came from another query: check they line up, at the first row of every chunk
    if (text.values && rows > 0 && idVector.getItem(0) !== (text.values.get(ID_COLUMN) as string[])[base]) {
      throw new FedError('DATA_ERR_STORE', `${name}: DuckDB returned the rows in two different orders; cannot load`);
    }
    for (let i = 0; i < rows; i++) {
      const id = text.values ? ((text.values.get(ID_COLUMN) as string[])[base + i] as string) : (idVector.getItem(i) as string | null);
      // messages are made only for problems: a million rows must not build a million strings
      const bad = id === null ? 'no value' : schema.idFormat === 'uscc' && usccValid(id) ? undefined : idProblem(id, schema.idFormat);
      if (bad || id === null) problems.push(`row ${base + i + 1}, column "${ID_COLUMN}": ${id === null ? bad : `${quoteCell(id)} ${bad}`}`);
      else if (!index.add(id))
        problems.push(`row ${base + i + 1}, column "${ID_COLUMN}": ${quoteCell(id)} already appears on row ${(index.get(id) as number) + 1}`);
      else ids.push(id);
    }
    specs.forEach((s, k) => {
      const given = text.values?.get(s.name);
      const vector = given ? { getItem: (i: number) => given[base + i] } : (chunk.getColumnVector(k + 1) as { getItem(i: number): unknown });
      const column = numbers[k];
      const ok = allowed[k];
      const where = (i: number) => `row ${base + i + 1}, column "${s.name}"`;
      for (let i = 0; i < rows; i++) {
        const v = vector.getItem(i);
        if (v === null) problems.push(`${where(i)}: no value`);
        else if (!column) {
          const cell = v as string;
          if (ok ? !ok.has(cell) : cell === '')
            problems.push(`${where(i)}: ${quoteCell(cell)} is not one of ${s.categories?.join(', ') ?? 'the categories (an empty cell)'}`);
          (categories[k] as string[]).push(cell);
        } else {
          const problem = numberProblem(s, v as number);
          if (problem) problems.push(`${where(i)}: ${problem}`);
          column[base + i] = v as number;
        }
      }
    });
    base += rows;
  }
  if (problems.length) throw storeError(name, problems);
  const numeric = new Map<string, Float64Array>();
  const categorical = new Map<string, string[]>();
  specs.forEach((s, k) => {
    const column = numbers[k];
    if (column) numeric.set(s.name, column);
    else categorical.set(s.name, categories[k] as string[]);
  });
  const table: PartyTable = { file: name, ids, numeric, categorical };
  setRowIndex(table, index);
  return table;
}

/**
 * The text columns of every row, in order, fetched as one string per column:
 * the API turns each longer string into a native call, which costs seconds at
 * a million ids. Undefined values when a cell is NULL or holds a line break:
 * the row-by-row path then reads (and reports) them.
 */
async function textColumns(c: DuckDBConnection, source: string, columns: string[]): Promise<{ rows: number; values?: Map<string, string[]> }> {
  const checks = columns.map((col, k) => `count(*) FILTER (WHERE ${sqlName(col)} IS NULL OR contains(${sqlName(col)}, chr(10))) AS bad${k}`);
  const stats = (await c.runAndReadAll(`SELECT count(*) AS n, ${checks.join(', ')} FROM ${source}`)).getRowObjects()[0] ?? {};
  const rows = Number(stats.n ?? 0);
  if (rows === 0 || columns.some((_, k) => Number(stats[`bad${k}`]) > 0)) return { rows };
  // one thread: the aggregate then appends in scan order (sorting by row number costs four times as much); the caller checks
  const aggregates = columns.map((col, k) => `string_agg(${sqlName(col)}, chr(10)) AS t${k}`);
  await c.run('SET threads = 1');
  const joined = (await c.runAndReadAll(`SELECT ${aggregates.join(', ')} FROM ${source}`)).getRowObjects()[0] ?? {};
  await c.run('SET threads = 2');
  const values = new Map(columns.map((col, k) => [col, String(joined[`t${k}`] ?? '').split('\n')]));
  return [...values.values()].every((v) => v.length === rows) ? { rows, values } : { rows };
}

function numberProblem(s: ColumnSpec, value: number): string | undefined {
  if (!Number.isFinite(value) || Math.abs(value) > MAX_ABS_CELL) return `${value} is out of range (|x| <= ${MAX_ABS_CELL})`;
  if (s.kind === 'integer' && !Number.isInteger(value)) return `${value} is not a whole number`;
  if (s.min !== undefined && value < s.min) return `${value} is below the minimum ${s.min}`;
  if (s.max !== undefined && value > s.max) return `${value} is above the maximum ${s.max}`;
  return undefined;
}

function storeError(name: string, problems: string[]): FedError {
  const shown = problems.slice(0, MAX_REPORTED);
  return new FedError(
    'DATA_ERR_STORE',
    `${name}: ${problems.length > MAX_REPORTED ? `more than ${MAX_REPORTED}` : problems.length} problem(s):\n  ${shown.join('\n  ')}`,
    {
      details: { file: name, problems: shown },
    },
  );
}

/**
 * Writes a party's CSV file as a Parquet file or a DuckDB database (typed
 * columns: the id and categories as text, numbers as DOUBLE), readable by its
 * owner only. The CSV is read by DuckDB's own parallel reader.
 */
export async function writePartyStore(csvPath: string, outPath: string, schema: TableSchema, format: StoreFormat): Promise<void> {
  const columns = [
    `${sqlString(ID_COLUMN)}: 'VARCHAR'`,
    ...schema.columns.map((s) => `${sqlString(s.name)}: ${s.kind === 'category' ? "'VARCHAR'" : "'DOUBLE'"}`),
  ].join(', ');
  const read = `SELECT * FROM read_csv(${sqlString(csvPath)}, header = true, delim = ',', quote = '"', columns = {${columns}})`;
  rmSync(outPath, { force: true });
  try {
    if (format === 'parquet') {
      await withDuckDb(':memory:', false, async (c) => {
        await c.run(`COPY (${read}) TO ${sqlString(outPath)} (FORMAT parquet, COMPRESSION zstd)`);
      });
    } else {
      await withDuckDb(outPath, false, async (c) => {
        await c.run(`CREATE TABLE ${sqlName(STORE_TABLE)} AS ${read}`);
        await c.run('CHECKPOINT');
      });
    }
  } catch (err) {
    throw new FedError('DATA_ERR_STORE', `cannot write ${basename(outPath)} as ${format}: ${(err as Error).message.split('\n')[0]}`, { cause: err });
  }
  chmodSync(outPath, 0o600);
}
