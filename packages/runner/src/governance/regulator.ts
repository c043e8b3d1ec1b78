/**
 * The regulator, a participant of its own: after each job it reads the
 * filing every participant signed (its final head and a summary of its data
 * use; never a record), checks each signature against the run's roster,
 * applies its rules, and suspends a flagged participant by signing a list
 * the coordinator of every later job reads. Everything it receives and
 * decides goes into its own signed, hash-chained trail. It runs in the
 * runner's process and is given nothing but the filings.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AuditTrail,
  assessFilings,
  type Filing,
  filingSchema,
  type RegulatorFlag,
  type RegulatorRules,
  readJsonFile,
  type Suspensions,
  signSuspensions,
  suspensionsSchema,
  verifyFiling,
  writeJsonFile,
} from '@fedrisk/shared';
import type { RunTrust } from '../job-config.ts';
import type { JobRun } from '../run-job.ts';
import type { RunGovernance } from './prepare.ts';

export interface RegulatorReview {
  job: string;
  filings: number;
  flags: RegulatorFlag[];
  /** participants suspended after this job */
  suspended: string[];
}

export interface Regulator {
  /** `recipient`: from the job's roster, not from what a filing says of itself */
  review(run: JobRun, parties: readonly string[], recipient: string): RegulatorReview;
  readonly suspended: ReadonlySet<string>;
  close(): void;
}

export function createRegulator(runId: string, trust: RunTrust, rules: RegulatorRules, now: () => Date): Regulator | undefined {
  const gov = trust.governance as RunGovernance | undefined;
  if (!gov?.regulator) return undefined;
  const identityKey = readFileSync(gov.regulator.keyFile, 'utf8').trim();
  const trail = new AuditTrail({
    file: join(gov.suspensionsFile, '..', 'audit.jsonl'),
    participant: 'regulator',
    job: `regulator-${runId}`.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 64),
    identityKey,
    now,
  });
  trail.append('rules', { ...rules });
  const uses = new Map<string, number>();
  const suspended: Suspensions['suspended'] = existsSync(gov.suspensionsFile)
    ? readJsonFile(gov.suspensionsFile, suspensionsSchema, 'suspension list').suspended
    : [];
  const keyOf = (who: string) => (who === 'coordinator' ? gov.coordinator.publicKey : trust.identities.get(who)?.publicKey);

  return {
    get suspended() {
      return new Set(suspended.map((s) => s.participant));
    },
    review: (run, parties, recipient) => {
      const job = run.files.jobId;
      const filings: Filing[] = [];
      const flags: RegulatorFlag[] = [];
      for (const who of ['coordinator', ...parties]) {
        const file = who === 'coordinator' ? join(run.files.jobDir, 'coordinator', 'filing.json') : join(run.files.partyDir(who), 'out', 'filing.json');
        if (!existsSync(file)) {
          trail.append('filing.missing', { job, participant: who });
          flags.push({ job, participant: who, rule: 'filing', detail: `filed nothing for job ${job}` });
          continue;
        }
        let f: Filing;
        try {
          f = readJsonFile(file, filingSchema, `${who}'s filing`);
        } catch {
          trail.append('filing.unreadable', { job, participant: who });
          flags.push({ job, participant: who, rule: 'filing', detail: `its filing for job ${job} is unreadable or not a filing` });
          continue;
        }
        const key = keyOf(who);
        if (f.participant !== who || f.job !== job || !key || !verifyFiling(key, f)) {
          flags.push({ job, participant: who, rule: 'filing', detail: `its filing for job ${job} is not signed by ${who}` });
          continue;
        }
        const { tokens, ...summary } = f.summary;
        trail.append('filing', {
          job,
          participant: who,
          ok: f.ok,
          head: { seq: f.head.seq, hash: f.head.hash },
          countersigned: f.countersigned,
          summary,
          tokens: tokens?.length ?? 0,
        });
        filings.push(f);
      }
      flags.push(...assessFilings(job, filings, rules, uses, recipient));
      const newly: string[] = [];
      // the recipient had its result once the job went past decryption: a job it made fail after that is no excuse for its filing
      const delivered = (run.record?.phases ?? []).some((p) => p.name === 'reasons');
      for (const flag of flags) {
        trail.append('flag', { ...flag });
        // a missing or unsigned filing suspends only after a job that finished: a crash leaves no filing through no one's choice
        const suspends = rules.suspend && (flag.rule !== 'filing' || !run.failure || (flag.participant === recipient && delivered));
        if (suspends && !suspended.some((s) => s.participant === flag.participant) && !newly.includes(flag.participant)) newly.push(flag.participant);
      }
      for (const participant of newly) {
        const ruleNames = [...new Set(flags.filter((f) => f.participant === participant).map((f) => f.rule))];
        suspended.push({ participant, job, rules: ruleNames, at: now().toISOString() });
        trail.append('suspend', { participant, job, rules: ruleNames });
      }
      if (newly.length) writeJsonFile(gov.suspensionsFile, suspensionsSchema, signSuspensions(identityKey, suspended));
      return { job, filings: filings.length, flags, suspended: newly };
    },
    close: () => trail.close(),
  };
}
