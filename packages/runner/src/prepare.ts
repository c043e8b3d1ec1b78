/**
 * Prepares a run once for every job in it: the run folder (owner-only), each
 * party's own data file, the applicants (and training rows), the hidden
 * labels (kept in memory for the referee, and on disk under referee/), and
 * each party's identity key.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  type DataFormat,
  FedError,
  IdIndex,
  loadPartyData,
  mkdirPrivate,
  type PartyTable,
  readScoreLogits,
  type Scenario,
  type ScoreColumns,
  type TableSchema,
  writePartyStore,
  writePrivateFile,
} from '@fedrisk/shared';
import { type Labels, makeDataSet, sampleApplicants } from './dataset.ts';
import type { Population, PopulationTruth } from './synthetic.ts';

export interface Prepared {
  runDir: string;
  runId: string;
  dataDir: string;
  /** per party: its own data file, in the scenario's format */
  dataFiles: Map<string, string>;
  dataFormat: DataFormat;
  /** the businesses the recipient asks to score, in its order */
  applicants: string[];
  /** training rows (the recipient's customers not scored), when the scenario trains */
  trainIds: string[];
  /** hidden outcome per record (the referee's, never a party's, except the label holder's own in training) */
  labels: Labels;
  /** per party: how many rows its file has, and which records */
  rows: Map<string, number>;
  members: Map<string, IdIndex>;
  schemas: Map<string, TableSchema>;
  /** records in the population */
  size: number;
  source: string;
  dropped: { line: number; column: string }[];
  dataMs: number;
  /** synthetic data: the generated world with its hidden attributes (referee only) */
  population?: PopulationTruth;
  /**
   * A party's table as its own file holds it, read and checked once for the whole run: the
   * referee's verification, portfolio, reasons and attacks all need it (at a million rows a
   * read costs seconds, and each stage used to read it again).
   */
  tableOf(party: string): Promise<PartyTable>;
  /** a recipient's scores file, read and checked once: the referee verifies it, then lends on it */
  scoresOf(file: string): Promise<ScoreColumns>;
  /** how many of a list's businesses (the applicants, the training rows) a party has a record of, counted once per list (a million lookups a party) */
  heldAmong(party: string, ids: readonly string[]): number;
}

function truthOf({ features: _features, members: _members, ...truth }: Population): PopulationTruth {
  return truth;
}

// The memos below are made by functions of their own, not by closures inside prepare(): a closure made there
// shares prepare's scope and would keep the whole data set (every party's CSV text, the features) alive for the run.

/** A reader that reads each file once and hands every later caller the same result; a failed read is tried again next time. */
function readOnce<T>(read: (file: string) => Promise<T>): (file: string) => Promise<T> {
  const done = new Map<string, Promise<T>>();
  return (file) => {
    let got = done.get(file);
    if (!got) {
      got = read(file);
      done.set(file, got);
      got.catch(() => done.delete(file));
    }
    return got;
  };
}

/** How many of a list's ids each party holds, counted on first use of each list. */
function heldCounter(members: ReadonlyMap<string, IdIndex>): Prepared['heldAmong'] {
  const done = new Map<string, WeakMap<readonly string[], number>>();
  return (party, ids) => {
    const byList = done.get(party) ?? new WeakMap<readonly string[], number>();
    done.set(party, byList);
    let held = byList.get(ids);
    if (held === undefined) {
      held = 0;
      const own = members.get(party);
      if (own) for (const id of ids) if (own.has(id)) held++;
      byList.set(ids, held);
    }
    return held;
  };
}

/** Reads a scores file once, its ids as the applicants' own strings where they match (a million ids need not be held twice). */
function scoresReader(applicants: readonly string[]): Prepared['scoresOf'] {
  return readOnce((file) => readScoreLogits(file, applicants));
}

/** Reads each party's file on first use, and hands every later caller the same table. */
export function partyTables(
  dataFiles: ReadonlyMap<string, string>,
  schemas: ReadonlyMap<string, TableSchema>,
  format: DataFormat,
  pool?: IdIndex,
): Prepared['tableOf'] {
  return readOnce((party) => {
    const file = dataFiles.get(party);
    const schema = schemas.get(party);
    if (file === undefined || schema === undefined) return Promise.reject(new FedError('RUN_ERR_PROCESS', `the run has no data file for party ${party}`));
    return loadPartyData(file, schema, format, pool);
  });
}

/** The recipient's customers to score, and (with train:) those to train on: the same split wherever it is needed. */
export function splitRows(scenario: Scenario, own: readonly string[]): { applicants: string[]; trainIds: string[] } {
  if (!scenario.train) return { applicants: sampleApplicants(own, scenario.job.applicants, scenario.seed), trainIds: [] };
  // train on part of the bank's own customers, score (test on) the rest
  const order = sampleApplicants(own, 'all', scenario.seed);
  const testCount = Math.ceil(order.length * scenario.train.testShare);
  const test = order.slice(0, testCount);
  return { applicants: scenario.job.applicants === 'all' ? test : test.slice(0, scenario.job.applicants), trainIds: order.slice(testCount) };
}

function stamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

export async function prepare(scenario: Scenario, scenarioFile: string, runsDir: string, startedAt: Date, say: (l: string) => void): Promise<Prepared> {
  let runId = `${stamp(startedAt)}-${scenario.name}`;
  for (let k = 2; existsSync(join(runsDir, runId)); k++) runId = `${stamp(startedAt)}-${scenario.name}-${k}`;
  const td = performance.now();
  say(
    scenario.data.kind === 'synthetic'
      ? `  data      generating ${scenario.data.businesses} synthetic businesses (seed ${scenario.seed}) ...`
      : `  data      splitting ${scenario.data.file} into one file per party ...`,
  );
  // made before the run folder, so a bad data file leaves nothing behind
  const ds = await makeDataSet(scenario, scenarioFile);
  const runDir = join(runsDir, runId);
  const dataDir = join(runDir, 'data');
  mkdirPrivate(runsDir);
  mkdirPrivate(dataDir);
  const dataFormat = scenario.data.format;
  const dataFiles = new Map<string, string>();
  for (const p of scenario.parties) {
    const csv = join(dataDir, `${p.id}.csv`);
    // one file's text at a time: made, written, let go
    writePrivateFile(csv, (ds.files.get(p.id) as () => string)());
    if (dataFormat === 'csv') dataFiles.set(p.id, csv);
    else {
      // the party's store, written from the same rows; the CSV was only the way in
      const store = join(dataDir, `${p.id}.${dataFormat}`);
      await writePartyStore(csv, store, ds.schemas.get(p.id) as TableSchema, dataFormat);
      rmSync(csv);
      dataFiles.set(p.id, store);
    }
  }
  const own = ds.members.get(scenario.job.recipient) ?? [];
  const labels = ds.labels;
  const { applicants, trainIds } = splitRows(scenario, own);
  writePrivateFile(join(runDir, 'referee', 'population.csv'), ds.refereeCsv());
  const dataMs = performance.now() - td;
  const rows = new Map(scenario.parties.map((p) => [p.id, ds.members.get(p.id)?.length ?? 0]));
  const members = new Map(scenario.parties.map((p) => [p.id, IdIndex.of(ds.members.get(p.id) ?? [])]));
  say(`  data      ${scenario.parties.map((p) => `${p.id} ${rows.get(p.id)} rows`).join(' · ')} · ${applicants.length} applicants (${dataMs.toFixed(0)} ms)`);
  const asked = scenario.job.applicants;
  if (asked !== 'all' && asked > applicants.length)
    say(`  data      note: ${asked} applicants asked for, but ${scenario.job.recipient} has only ${applicants.length} to score; scoring those`);
  if (ds.dropped.length)
    say(`  data      left out ${ds.dropped.length} row(s) with a missing value (lines ${ds.dropped.map((d) => `${d.line} ${d.column}`).join(', ')})`);
  return {
    runDir,
    runId,
    dataDir,
    dataFiles,
    dataFormat,
    applicants,
    trainIds,
    labels,
    rows,
    members,
    schemas: ds.schemas,
    size: ds.size,
    source: ds.source,
    dropped: ds.dropped,
    dataMs,
    // the columns are in the parties' files now: a million businesses' features need not stay in memory for the whole run
    ...(ds.population ? { population: truthOf(ds.population) } : {}),
    // the generated population's ids: the tables' ids are the same strings, not copies
    tableOf: partyTables(dataFiles, ds.schemas, dataFormat, ds.population?.index),
    scoresOf: scoresReader(applicants),
    heldAmong: heldCounter(members),
  };
}
