/** The parts of a design's result every job kind reports: ledger, key custody, alignment, costs. */
import { basename } from 'node:path';
import { IdIndex, type Scenario } from '@fedrisk/shared';
import type { Prepared } from '../prepare.ts';
import type { JobRun } from '../run-job.ts';
import type { AlignmentResult, DesignResult, LedgerEntry } from './types.ts';

/** What every participant received and decrypted: the coordinator's record and each party's own summary. */
export function ledgerOf(run: JobRun): Record<string, LedgerEntry> {
  const ledger: Record<string, LedgerEntry> = {};
  if (run.record) ledger.coordinator = run.record.ledger;
  for (const [id, s] of run.summaries) ledger[id] = { ...s.ledger, idsLearned: s.idsLearned };
  return ledger;
}

/** Key custody as each process recorded it (the key objects it created, received or relayed), never written by hand. */
function custodyOf(scenario: Scenario, run: JobRun): DesignResult['keyCustody'] {
  return [
    { participant: 'coordinator', holds: run.record?.keyMaterial ?? [] },
    ...scenario.parties.map((p) => ({ participant: p.id, holds: run.summaries.get(p.id)?.keyMaterial ?? [] })),
  ];
}

/** What each side learned about the overlap, next to the truth the referee knows. */
function alignmentOf(scenario: Scenario, prep: Prepared, run: JobRun, applicants: readonly string[]): AlignmentResult {
  const recipient = scenario.job.recipient;
  const recipientIds = run.summaries.get(recipient)?.idsLearned;
  const reused = run.spec.reuseAlignment;
  return {
    mode: scenario.job.alignment,
    ...(reused ? { reusedFrom: basename(reused.jobDir) } : {}),
    applicants: applicants.length,
    holders: Object.fromEntries(
      scenario.parties
        .filter((p) => p.id !== recipient)
        .map((p) => {
          const own = prep.members.get(p.id) ?? new IdIndex();
          const learned = run.summaries.get(p.id)?.idsLearned;
          const trueIntersection = prep.heldAmong(p.id, applicants);
          return [
            p.id,
            {
              customers: own.size,
              trueIntersection,
              recipientLearned: scenario.job.alignment === 'query' ? 0 : (recipientIds?.overlap[p.id] ?? 0),
              holderLearnedIntersection: learned?.intersection ?? 0,
              holderLearnedOthersApplicants: learned?.othersApplicants ?? 0,
            },
          ];
        }),
    ),
  };
}

/** Everything a design result carries that does not depend on the job kind. */
export function commonResult(scenario: Scenario, prep: Prepared, run: JobRun, applicants: readonly string[]): Omit<DesignResult, 'keys' | 'ok'> {
  const links = run.record?.links ?? [];
  return {
    phases: run.record?.phases ?? [],
    links,
    bytesOnWire: links.reduce((s, l) => s + l.bytes, 0),
    ledger: ledgerOf(run),
    keyCustody: custodyOf(scenario, run),
    refusals: run.record?.refusals ?? [],
    alignment: alignmentOf(scenario, prep, run, applicants),
    timings: {
      jobMs: run.jobMs,
      afterJoinMs: run.afterJoinMs,
      perParty: Object.fromEntries([...run.summaries].map(([id, s]) => [id, s.timings])),
    },
  };
}
