/**
 * fedrisk init: a commented starter scenario, for synthetic data or for a
 * CSV file of one's own (its header read for the columns, its cells for
 * which columns hold categories). The scenario trains jointly, so it needs
 * no model: section: each party derives its features from its own columns.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, relative, resolve } from 'node:path';
import { didYouMean, FedError, idProblem, parseCsv, readNumberCell } from '@fedrisk/shared';
import type { Args, CliIo, CommandSpec } from './args.ts';
import { REPO_ROOT } from './script.ts';

export const initSpec: CommandSpec = {
  name: 'init',
  summary: 'write a commented starter scenario, for synthetic data or for a CSV file of your own',
  usage: 'fedrisk init [--csv <file>] [--id <column>] [--label <column>] [--out <file>] [--name <name>] [--force]',
  description:
    'With --csv, the header gives the columns and the cells tell numbers from categories; the id and label columns are guessed from their names unless given. The columns are shared out between a bank and two other holders in header order: move each to the party that really holds it. The scenario trains the model jointly first, so it has no model: section.',
  positionals: [],
  options: {
    csv: { kind: 'string', value: '<file>', help: 'a CSV file with a header row: one record per row, an id column and a 0/1 label column (1 = default)' },
    id: { kind: 'string', value: '<column>', help: 'the column that identifies a record (default: guessed: id, ID, or a name ending in _id)' },
    label: {
      kind: 'string',
      value: '<column>',
      help: 'the 0/1 outcome column (default: guessed: label, target, default, y, class, or a name containing default)',
    },
    out: { kind: 'string', value: '<file>', help: 'where to write the scenario', default: 'scenario.yaml' },
    name: { kind: 'string', value: '<name>', help: "the scenario's name (default: the CSV file's name, or my-scenario)" },
    force: { kind: 'flag', help: 'overwrite --out if it exists' },
  },
  exits: [],
};

const SCHEMA_FILE = new URL('../../../../scenarios/scenario.schema.json', import.meta.url).pathname;
const LABEL_NAMES = ['label', 'target', 'default', 'y', 'class', 'outcome', 'bad'];

interface CsvFacts {
  rows: number;
  header: string[];
  categorical: string[];
  missing: number;
}

function readFacts(path: string, id: string | undefined, label: string | undefined): CsvFacts & { id: string; label: string } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new FedError('DATA_ERR_FILE', `cannot read ${path}: ${(cause as Error).message}`, { cause });
  }
  const rows = parseCsv(text, path);
  const header = (rows[0]?.cells ?? []).map((h) => h.trim());
  if (header.length < 4) throw new FedError('DATA_ERR_CSV', `${path} line 1: expected a header with an id, a label and at least two feature columns`);
  const pick = (given: string | undefined, what: string, guess: (h: string) => boolean): string => {
    if (given) {
      if (!header.includes(given))
        throw new FedError('DATA_ERR_CSV', `${path} line 1: no column "${given}"${didYouMean(given, header)} (it has ${header.join(', ')})`);
      return given;
    }
    const found = header.find(guess);
    if (!found) throw new FedError('DATA_ERR_CSV', `${path}: no column looks like the ${what}; name it with --${what} (the header has ${header.join(', ')})`);
    return found;
  };
  const idColumn = pick(id, 'id', (h) => /^id$/i.test(h) || /(_id|Id)$/.test(h));
  const labelColumn = pick(label, 'label', (h) => LABEL_NAMES.includes(h.toLowerCase()) || /default/i.test(h));
  const body = rows.slice(1);
  const col = (name: string) => header.indexOf(name);
  const labels = new Set(body.map((r) => (r.cells[col(labelColumn)] ?? '').trim()));
  const notBinary = [...labels].filter((v) => v !== '0' && v !== '1');
  if (notBinary.length)
    throw new FedError(
      'DATA_ERR_CSV',
      `${path}: the label column "${labelColumn}" holds ${[...labels].slice(0, 6).join(', ')}; fedrisk needs 0 and 1 (1 = default): recode it${label ? '' : ', or name another column with --label'}`,
    );
  const bad = body.map((r) => (r.cells[col(idColumn)] ?? '').trim()).find((v) => idProblem(v, 'plain'));
  if (bad !== undefined) throw new FedError('DATA_ERR_CSV', `${path}: the id column "${idColumn}" holds "${bad}", which ${idProblem(bad, 'plain')}`);
  const missingValues = new Set(['', 'nan', 'NaN', 'NA']);
  const features = header.filter((h) => h !== idColumn && h !== labelColumn);
  let missing = 0;
  const categorical = features.filter((h) => {
    const cells = body.map((r) => (r.cells[col(h)] ?? '').trim());
    missing += cells.filter((c) => missingValues.has(c)).length;
    return cells.some((c) => !missingValues.has(c) && 'problem' in readNumberCell(c));
  });
  return { rows: body.length, header: features, categorical, missing, id: idColumn, label: labelColumn };
}

const plain = (s: string) => (/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(s) ? s : JSON.stringify(s));
const list = (items: readonly string[]) => `[${items.map(plain).join(', ')}]`;

/** Comment text lined up in one column, so a starter reads like the shipped scenarios. */
function commented(lines: readonly (readonly [string, string?])[]): string {
  const width = Math.max(...lines.filter(([, c]) => c).map(([l]) => l.length)) + 2;
  return `${lines.map(([l, c]) => (c ? `${l.padEnd(width)}# ${c}` : l)).join('\n')}\n`;
}

function jobAndTraining(): [string, string?][] {
  return [
    ['job:'],
    ['  recipient: bank', 'names the applicants, holds the labels, receives the scores'],
    ['  keys: threshold', 'every party holds a key share; all must take part to decrypt'],
    ['  compareWith: [single-holder]', 'also run with the bank as the only key holder, side by side'],
    ['  alignment: psi', 'private set intersection: no raw id crosses the wire'],
    ['  applicants: all', 'score every held-out customer of the bank'],
    ['train: {}', 'train jointly first, then score the held-out third'],
    ['policy:', 'how the bank decides: docs/SCENARIOS.md, policy'],
    ['  approve: { by: approval-rate, rate: 0.85 }', 'the best-scored 85 %: a freshly trained model fits no fixed score cut-off'],
    ['# No model: section: each party derives its own features from its own columns (numbers'],
    ['# standardised or log1p-transformed, categories one-hot over those it sees). To override a'],
    ['# column: model: { bank: { features: { <column>: { transform: log1p } } } }'],
  ];
}

function csvScenario(name: string, csvRel: string, facts: ReturnType<typeof readFacts>, schemaRel: string): string {
  const cols = facts.header;
  const parties = cols.length >= 3 ? ['bank', 'partner-a', 'partner-b'] : ['bank', 'partner-a'];
  const slice = (i: number) => cols.slice(Math.floor((i * cols.length) / parties.length), Math.floor(((i + 1) * cols.length) / parties.length));
  const lines: [string, string?][] = [
    [`# yaml-language-server: $schema=${schemaRel}`],
    [`# A fedrisk scenario for ${basename(csvRel)} (${facts.rows} rows, ${cols.length} feature columns), written by fedrisk init.`],
    ['# docs/SCENARIOS.md describes every field; run it from the repository: npx fedrisk run <file>'],
    [`name: ${plain(name)}`],
    ['seed: 1', 'same seed, same split between parties and the same run'],
    ['data:'],
    ['  kind: csv'],
    [`  file: ${plain(csvRel)}`, 'relative to this file'],
    [`  id: ${plain(facts.id)}`, 'the record key'],
    [`  label: ${plain(facts.label)}`, '0/1, 1 = default; read by the referee (and the bank, to train)'],
    ['  columns:', 'who holds which columns: move each to its real holder'],
    ...parties.map((p, i): [string, string?] => [`    ${p}: ${list(slice(i))}`]),
  ];
  if (facts.categorical.length) lines.push([`  categorical: ${list(facts.categorical)}`, 'text columns: one-hot encoded by their owner']);
  else lines.push(['  categorical: []', 'columns whose numbers are codes of categories, if any']);
  lines.push(
    facts.missing
      ? ['  onMissing: drop-row', `${facts.missing} empty or NA cell(s): those rows are left out and listed in the report`]
      : ['  onMissing: reject', 'a row with a missing value stops the run, naming it (or drop-row)'],
  );
  lines.push(['parties:', 'ids: lowercase letters, digits and -'], ['  - { id: bank, role: bank }', 'the recipient']);
  for (const p of parties.slice(1)) lines.push([`  - { id: ${p}, role: holder }`, 'a holder: its columns come from data.columns']);
  return commented([...lines, ...jobAndTraining()]);
}

function syntheticScenario(name: string, schemaRel: string): string {
  return commented([
    [`# yaml-language-server: $schema=${schemaRel}`],
    ['# A fedrisk scenario on synthetic data, written by fedrisk init.'],
    ['# docs/SCENARIOS.md describes every field; run it from the repository: npx fedrisk run <file>'],
    [`name: ${plain(name)}`],
    ['seed: 1', 'same seed, same data files, byte for byte'],
    ['data:'],
    ['  kind: synthetic', 'a seeded population of Shandong SMEs; each role has fixed columns'],
    ['  businesses: 5000', 'population size'],
    ['  defaultRate: 0.02', 'share that defaults (the hidden label)'],
    ['parties:', 'ids: lowercase letters, digits and -'],
    ['  - { id: bank, role: bank, coverage: 0.75 }', 'coverage: share of the population it has records of'],
    ['  - { id: tax, role: tax, coverage: 0.92 }'],
    ['  - { id: guarantor, role: guarantor, coverage: 0.4 }'],
    ...jobAndTraining(),
  ]);
}

export async function initCommand(args: Args, io: CliIo): Promise<number> {
  const out = resolve(io.cwd, args.string('out') as string);
  if (existsSync(out) && !args.flag('force')) throw new FedError('CONFIG_ERR_INVALID', `${out} exists; pass --force to overwrite it, or --out another file`);
  const schemaRel = relative(dirname(out), SCHEMA_FILE) || SCHEMA_FILE;
  const csv = args.string('csv');
  let text: string;
  if (csv) {
    const path = resolve(io.cwd, csv);
    const facts = readFacts(path, args.string('id'), args.string('label'));
    const name =
      args.string('name') ??
      (basename(path)
        .replace(/\.[^.]*$/, '')
        .replace(/[^A-Za-z0-9_.-]+/g, '-')
        .slice(0, 64) ||
        'my-scenario');
    text = csvScenario(name, relative(dirname(out), path), facts, schemaRel);
  } else text = syntheticScenario(args.string('name') ?? 'my-scenario', schemaRel);
  writeFileSync(out, text);
  const fromRepo = relative(REPO_ROOT, out);
  io.err(`wrote ${relative(io.cwd, out) || out}; run it from the repository with: npx fedrisk run ${fromRepo.startsWith('..') ? out : fromRepo}\n`);
  return 0;
}
