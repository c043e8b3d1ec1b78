/**
 * A finished run folder's report for the page: report.json, whose curves and
 * grade table the referee computed when it checked the scores (the view
 * draws them; it reads no data, score or label file).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FedError } from '@fedrisk/shared';
import type { ReportCurves } from '../curves.ts';
import type { Report } from '../report/types.ts';
import type { ReportHtmlInput } from './report-html.ts';

/** report.json of a run folder; a file that is not a report gets a coded error naming it. */
export async function readReport(runDir: string): Promise<Report> {
  const file = join(runDir, 'report.json');
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new FedError('CONFIG_ERR_INVALID', `${file} cannot be read as JSON: ${(err as Error).message}`, { cause: err });
  }
  const r = parsed as Partial<Report> | null;
  if (!r || typeof r !== 'object' || r.version !== 1 || !Array.isArray(r.designs) || typeof r.scenario !== 'object')
    throw new FedError('CONFIG_ERR_INVALID', `${file} is not a fedrisk report (version 1, with designs and scenario)`);
  return r as Report;
}

/** What the page draws from a report: its curves (joint, bank alone, and the centralised model after training) and grades. */
export function reportInputOf(report: Report): ReportHtmlInput {
  const v = report.verification;
  const curves: ReportCurves = {
    ...(v?.curves?.joint ? { joint: v.curves.joint } : {}),
    ...(v?.curves?.bankOnly ? { bankOnly: v.curves.bankOnly } : {}),
    ...(report.training?.centralised.testCurves ? { centralised: report.training.centralised.testCurves } : {}),
  };
  return {
    report,
    curves,
    ...(v?.grades ? { grades: v.grades } : {}),
    ...(report.portfolio ? { portfolio: report.portfolio } : {}),
    ...(report.reasons ? { reasons: report.reasons } : {}),
  };
}

export async function loadReportInput(runDir: string): Promise<ReportHtmlInput> {
  return reportInputOf(await readReport(runDir));
}
