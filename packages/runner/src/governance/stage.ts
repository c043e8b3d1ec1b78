/**
 * Governance over a run: after each job, its trails verified and measured
 * (report.ts) and every participant's filing reviewed by the regulator; at
 * the end, if the regulator suspended someone, one more job of the first
 * design to show the coordinator refusing it (AUTH_ERR_SUSPENDED).
 */
import type { RegulatorFlag, RegulatorRules, Scenario, WireError } from '@fedrisk/shared';
import type { RunTrust } from '../job-config.ts';
import type { Prepared } from '../prepare.ts';
import type { JobRun } from '../run-job.ts';
import { createRegulator, type RegulatorReview } from './regulator.ts';
import { type DesignGovernance, designGovernance } from './report.ts';

/** The run-level part of governance in report.json (each design's trails are in its own `governance`). */
export interface RunGovernanceReport {
  authorisations: { required: boolean; share: number; issued: number; applicants: number; purposeStated: string; extraQueries: number };
  regulator?: {
    rules: RegulatorRules;
    reviews: RegulatorReview[];
    suspended: string[];
    /** the job run after a suspension, and how the coordinator refused it */
    refusedJob?: { job: string; ok: boolean; error?: WireError };
  };
}

export interface GovernanceStage {
  afterJob(run: JobRun): DesignGovernance | undefined;
  finish(rerun: (label: string) => Promise<JobRun>): Promise<RunGovernanceReport | undefined>;
}

export function governanceStage(scenario: Scenario, prep: Prepared, trust: RunTrust, say: (line: string) => void): GovernanceStage {
  const gov = trust.governance;
  const rules = scenario.governance.regulator?.rules;
  const regulator = rules ? createRegulator(prep.runId, trust, rules, () => new Date()) : undefined;
  const reviews: RegulatorReview[] = [];
  const parties = scenario.parties.map((p) => p.id);
  const flagLine = (f: RegulatorFlag) => `  regulator flags ${f.participant} (${f.rule}): ${f.detail}`;
  return {
    afterJob: (run) => {
      if (!gov) return undefined;
      const result = designGovernance(scenario, prep, run);
      if (result?.audit.findings.length) say(`  audit     ${result.audit.findings.length} finding(s) in the trails of ${run.files.jobId}`);
      const review = regulator?.review(run, parties, scenario.job.recipient);
      if (review) {
        reviews.push(review);
        for (const f of review.flags) say(flagLine(f));
        for (const p of review.suspended) say(`  regulator suspends ${p}'s interface permission: the coordinator will refuse its next job`);
        if (!review.flags.length) say(`  regulator no anomaly in ${review.filings} filings`);
      }
      return result;
    },
    finish: async (rerun) => {
      if (!gov) return undefined;
      let refusedJob: NonNullable<RunGovernanceReport['regulator']>['refusedJob'];
      if (regulator?.suspended.size) {
        say(
          `  job       once more, to show the suspension: ${[...regulator.suspended].join(', ')} asks to take part; the coordinator should refuse it (expected, not a crash)`,
        );
        const run = await rerun('after-suspension');
        refusedJob = { job: run.files.jobId, ok: !run.failure, ...(run.failure ? { error: run.failure.toWire() } : {}) };
        say(run.failure ? `  refused   ${run.failure.code}: ${run.failure.message}` : '  refused   no: the job ran (the suspension was not enforced)');
      }
      regulator?.close();
      return {
        authorisations: {
          required: scenario.governance.authorisations.required,
          share: scenario.governance.authorisations.share,
          issued: gov.issued,
          applicants: prep.applicants.length,
          purposeStated: gov.purpose,
          extraQueries: gov.extraQueries.length,
        },
        ...(rules ? { regulator: { rules, reviews, suspended: [...(regulator?.suspended ?? [])], ...(refusedJob ? { refusedJob } : {}) } } : {}),
      };
    },
  };
}
