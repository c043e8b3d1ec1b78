/**
 * Reads a finished run folder for the report: report.json, and, as the
 * referee may, the recipient's decrypted scores and the hidden labels, to
 * draw ROC and KS curves for the joint model, the bank alone (refitted the
 * way the referee does) and, after joint training, the centralised model.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import {
  coordinatorConfigSchema,
  loadPartyData,
  modelColumnsFor,
  type NodeConfig,
  nodeConfigSchema,
  nodeTableSchema,
  type PartyModel,
  parseCsv,
  partyModelSchema,
  readJsonFile,
  trainTaylorLR,
} from '@fedrisk/shared';
import type { Report } from '../report/types.ts';
import { fitLogistic } from '../stats.ts';
import { type CurveSet, computeCurves, type GradeDistribution, gradeDistribution, parseScoresCsv, type ReportCurves } from './curves.ts';
import type { ReportHtmlInput } from './report-html.ts';

export async function readReport(runDir: string): Promise<Report> {
  return JSON.parse(await readFile(join(runDir, 'report.json'), 'utf8')) as Report;
}

/** The report and, when the run folder still holds scores, data and labels, its curves and grades. */
export async function loadReportInput(runDir: string): Promise<ReportHtmlInput> {
  const report = await readReport(runDir);
  const jobDir = join(runDir, 'jobs', report.keys);
  const labelsFile = join(runDir, 'referee', 'population.csv');
  if (!report.ok || !existsSync(labelsFile) || !existsSync(join(jobDir, 'coordinator', 'config.json'))) return { report };
  const coordinator = readJsonFile(join(jobDir, 'coordinator', 'config.json'), coordinatorConfigSchema, 'coordinator config', 'CONFIG_ERR_INVALID');
  const recipient = coordinator.recipient;
  const scoresFile = join(jobDir, 'parties', recipient, 'out', 'scores.csv');
  if (!existsSync(scoresFile)) return { report };
  const labels = readLabels(await readFile(labelsFile, 'utf8'));
  const rows = parseScoresCsv(await readFile(scoresFile, 'utf8'));
  const applicants = await readIds(join(jobDir, 'parties', recipient, 'applicants.txt'));
  const logit = new Map(rows.map((r) => [r.id, r.logit]));
  const y = Uint8Array.from(applicants, (id) => labels.get(id) ?? 0);
  const curves: ReportCurves = {
    joint: computeCurves(
      Float64Array.from(applicants, (id) => logit.get(id) ?? Number.NaN),
      y,
    ),
  };
  const configs = new Map<string, NodeConfig>();
  for (const p of report.scenario.parties)
    configs.set(p.id, readJsonFile(join(jobDir, 'parties', p.id, 'config.json'), nodeConfigSchema, `${p.id} config`, 'CONFIG_ERR_INVALID'));
  curves.bankOnly = await bankOnlyCurves(runDir, configs.get(recipient) as NodeConfig, applicants, y);
  if (report.training) curves.centralised = await centralisedCurves(runDir, report, configs, recipient, applicants, labels);
  const grades: GradeDistribution = gradeDistribution(rows, labels);
  return { report, curves, grades };
}

async function readIds(file: string): Promise<string[]> {
  return (await readFile(file, 'utf8')).split('\n').filter((l) => l.length > 0);
}

async function modelOf(config: NodeConfig): Promise<PartyModel> {
  return config.modelFile ? partyModelSchema.parse(JSON.parse(await readFile(config.modelFile, 'utf8'))) : config.model;
}

/** The party's own file in the run folder (configs hold absolute paths; the folder may have moved). */
async function tableOf(runDir: string, config: NodeConfig) {
  const file = join(runDir, 'data', basename(config.data));
  return loadPartyData(existsSync(file) ? file : config.data, nodeTableSchema(config), config.dataFormat);
}

/** A logistic regression on the recipient's own columns, fitted on the scored applicants, as the referee does. */
async function bankOnlyCurves(runDir: string, config: NodeConfig, applicants: readonly string[], y: Uint8Array): Promise<CurveSet> {
  const cols = modelColumnsFor(await tableOf(runDir, config), await modelOf(config), applicants).columns;
  const fit = fitLogistic(cols, y);
  const scores = Float64Array.from(applicants, (_, i) => cols.reduce((s, col, j) => s + (fit.weights[j] as number) * (col[i] as number), fit.intercept));
  return computeCurves(scores, y);
}

/** The referee's centralised model: the same training rule in plaintext on every party's columns, tested on the scored applicants. */
async function centralisedCurves(
  runDir: string,
  report: Report,
  configs: Map<string, NodeConfig>,
  recipient: string,
  applicants: readonly string[],
  labels: Map<string, number>,
): Promise<CurveSet | undefined> {
  const params = report.training?.params;
  const trainFile = join(runDir, 'jobs', 'training', 'parties', recipient, 'applicants.txt');
  if (!params || !existsSync(trainFile)) return undefined;
  const trainIds = await readIds(trainFile);
  const tables = await Promise.all(
    report.scenario.parties.map(async (p) => ({ config: configs.get(p.id) as NodeConfig, table: await tableOf(runDir, configs.get(p.id) as NodeConfig) })),
  );
  const cols = (ids: readonly string[]) => tables.flatMap(({ config, table }) => modelColumnsFor(table, config.model, ids).columns);
  const fit = trainTaylorLR(
    cols(trainIds),
    Float64Array.from(trainIds, (id) => labels.get(id) ?? 0),
    params,
  );
  const test = cols(applicants);
  const scores = Float64Array.from(applicants, (_, i) => test.reduce((s, col, j) => s + (fit.weights[j] as number) * (col[i] as number), fit.intercept));
  return computeCurves(
    scores,
    Uint8Array.from(applicants, (id) => labels.get(id) ?? 0),
  );
}

/** The hidden outcome per record, from the referee's population.csv. */
function readLabels(text: string): Map<string, number> {
  const rows = parseCsv(text, 'population.csv');
  const col = (rows[0]?.cells ?? []).indexOf('default_next_12m');
  return new Map(rows.slice(1).map(({ cells }) => [cells[0] as string, Number(cells[col])]));
}
