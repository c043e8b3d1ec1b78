/**
 * The data a run starts from, whatever its source: each party's own file,
 * the ground truth only the referee reads, and who holds which records.
 * Synthetic populations are generated from the seed; real data (kind csv) is
 * one file split by columns into per-party files before any party starts.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import {
  type ColumnSpec,
  createRng,
  csvRow,
  FedError,
  ID_COLUMN,
  IdIndex,
  idProblem,
  parseCsv,
  quoteCell,
  readNumberCell,
  type Scenario,
  type TableSchema,
  tableSchemaOf,
} from '@fedrisk/shared';
import { generatePopulation, type Population, partyCsv, populationCsv } from './synthetic.ts';

export { sampleApplicants } from './synthetic.ts';

export interface DataSet {
  /**
   * per party: the CSV text of its own file (its columns, its rows), made anew by each call (call it once): at a
   * million businesses each file is about 100 MB of text, and a caller writes one before it makes the next (the
   * another-seed baseline needs the recipient's only)
   */
  files: Map<string, () => string>;
  /** per party: the ids of its rows, in file order */
  members: Map<string, string[]>;
  /** per party: the schema its node checks its file against */
  schemas: Map<string, TableSchema>;
  /** ground truth for the referee: business_id,...,default_next_12m (made anew by each call, as the files) */
  refereeCsv: () => string;
  /** the same hidden outcome, by record id */
  labels: Labels;
  /** records in the population */
  size: number;
  /** where the data came from, for the report */
  source: string;
  /** rows left out because a feature value was missing (real data with onMissing: drop-row) */
  dropped: { line: number; column: string }[];
  /** synthetic data: the whole generated world (hidden risk and attributes), for the referee only */
  population?: Population;
}

/** Hidden outcomes by record id (a Map of a million strings costs seconds; an IdIndex and a byte each do not). */
export interface Labels {
  get(id: string): number | undefined;
  readonly size: number;
  /** every record id, in the population's order */
  keys(): readonly string[];
}

export function labelsOf(ids: readonly string[], values: ArrayLike<number>, index = IdIndex.of(ids)): Labels {
  return { get: (id) => (index.has(id) ? values[index.get(id) as number] : undefined), size: index.size, keys: () => index.ids };
}

export async function makeDataSet(scenario: Scenario, scenarioFile: string, seed = scenario.seed): Promise<DataSet> {
  const data = scenario.data;
  if (data.kind === 'synthetic') {
    const pop = generatePopulation({
      seed,
      businesses: data.businesses,
      defaultRate: data.defaultRate,
      labelNoise: data.labelNoise,
      parties: scenario.parties,
    });
    const files = new Map<string, () => string>();
    const members = new Map<string, string[]>();
    const schemas = new Map<string, TableSchema>();
    for (const p of scenario.parties) {
      if (p.role === 'holder') throw new FedError('SCENARIO_ERR_INVALID', 'synthetic data has no columns for a holder');
      const role = p.role;
      files.set(p.id, () => partyCsv(pop, p.id, role));
      members.set(
        p.id,
        Array.from(pop.members.get(p.id) ?? [], (i) => pop.ids[i] as string),
      );
      schemas.set(p.id, tableSchemaOf(scenario, p.id));
    }
    const labels = labelsOf(pop.ids, pop.label, pop.index);
    return {
      files,
      members,
      schemas,
      refereeCsv: () => populationCsv(pop),
      labels,
      size: data.businesses,
      source: `synthetic, seed ${seed}`,
      dropped: [],
      population: pop,
    };
  }
  return splitCsv(scenario, resolve(dirname(scenarioFile), data.file));
}

const MAX_REPORTED = 10;

/** Splits one real-data file into per-party files; a bad cell names its line and column. */
async function splitCsv(scenario: Scenario, path: string): Promise<DataSet> {
  const data = scenario.data;
  if (data.kind !== 'csv') throw new Error('not a csv scenario');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new FedError('DATA_ERR_FILE', `cannot read the scenario's data file ${path}: ${(cause as Error).message}`, { cause });
  }
  const rows = parseCsv(text, path);
  if (!rows.length) throw new FedError('DATA_ERR_CSV', `${path} line 1: the file is empty, expected a header row`);
  const header = (rows[0]?.cells ?? []).map((h) => h.trim());
  const index = new Map(header.map((h, i) => [h, i]));
  const wanted = [data.id, data.label, ...Object.values(data.columns).flat()];
  const missing = wanted.filter((c) => !index.has(c));
  if (missing.length) {
    throw new FedError('DATA_ERR_CSV', `${path} line 1: no column ${missing.map((c) => `"${c}"`).join(', ')} in the header (it has ${header.join(', ')})`, {
      details: { columns: missing },
    });
  }
  const categorical = new Set(data.categorical);
  const problems: string[] = [];
  const ids: string[] = [];
  const labels: number[] = [];
  const cells = new Map<string, string[]>(
    Object.values(data.columns)
      .flat()
      .map((c) => [c, []]),
  );
  const seen = new Map<string, number>();
  const noValue = new Set(data.missingValues);
  const dropped: { line: number; column: string }[] = [];
  for (const row of rows.slice(1)) {
    const at = `line ${row.line}`;
    const parts = row.cells;
    if (parts.length !== header.length) {
      problems.push(`${at}: has ${parts.length} cells, the header has ${header.length}`);
      continue;
    }
    const id = (parts[index.get(data.id) as number] ?? '').trim();
    const bad = idProblem(id, 'plain');
    if (bad) problems.push(`${at}, column "${data.id}": ${quoteCell(id)} ${bad}`);
    const dup = seen.get(id);
    if (dup !== undefined) problems.push(`${at}, column "${data.id}": ${quoteCell(id)} already appears on line ${dup}`);
    seen.set(id, row.line);
    const label = (parts[index.get(data.label) as number] ?? '').trim();
    if (label !== '0' && label !== '1') problems.push(`${at}, column "${data.label}": ${quoteCell(label)} is not 0 or 1`);
    const values: string[] = [];
    let missingIn: string | undefined;
    for (const c of cells.keys()) {
      const cell = (parts[index.get(c) as number] ?? '').trim();
      if (noValue.has(cell)) missingIn ??= c;
      else if (!categorical.has(c)) {
        const read = readNumberCell(cell);
        if ('problem' in read) problems.push(`${at}, column "${c}": ${read.problem}`);
      }
      values.push(cell);
    }
    if (missingIn !== undefined) {
      if (data.onMissing === 'drop-row') {
        dropped.push({ line: row.line, column: missingIn });
        continue;
      }
      problems.push(`${at}, column "${missingIn}": no value (set data.onMissing: drop-row to leave such rows out)`);
    }
    let k = 0;
    for (const list of cells.values()) list.push(values[k++] as string);
    ids.push(id);
    labels.push(Number(label));
    if (problems.length > MAX_REPORTED) break;
  }
  if (problems.length) {
    const shown = problems.slice(0, MAX_REPORTED);
    throw new FedError(
      'DATA_ERR_CSV',
      `${path}: ${problems.length > MAX_REPORTED ? `more than ${MAX_REPORTED}` : problems.length} problem(s):\n  ${shown.join('\n  ')}`,
      {
        details: { problems: shown },
      },
    );
  }
  const files = new Map<string, () => string>();
  const memberIds = new Map<string, string[]>();
  const schemas = new Map<string, TableSchema>();
  const rng = createRng(scenario.seed);
  for (const p of scenario.parties) {
    const cols = data.columns[p.id] ?? [];
    const pr = rng.fork(`members:${p.id}`);
    const members = ids.map((_, i) => i).filter(() => p.coverage >= 1 || pr.next() < p.coverage);
    const out = [csvRow([ID_COLUMN, ...cols])];
    for (const i of members) out.push(csvRow([ids[i] as string, ...cols.map((c) => (cells.get(c) as string[])[i] as string)]));
    const text = `${out.join('\n')}\n`;
    files.set(p.id, () => text);
    memberIds.set(
      p.id,
      members.map((i) => ids[i] as string),
    );
    // names and kinds only: which categories a party's rows hold is for that party to see in its own file
    const columns: ColumnSpec[] = cols.map((name) =>
      categorical.has(name) ? { name, kind: 'category', description: '' } : { name, kind: 'number', description: '' },
    );
    schemas.set(p.id, { columns, idFormat: 'plain' });
  }
  const referee = ['business_id,default_next_12m', ...ids.map((id, i) => csvRow([id, labels[i] as number]))];
  return {
    files,
    members: memberIds,
    schemas,
    labels: labelsOf(ids, labels),
    refereeCsv: () => `${referee.join('\n')}\n`,
    size: ids.length,
    source: path,
    dropped,
  };
}
