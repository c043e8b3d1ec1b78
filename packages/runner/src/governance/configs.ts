/** The governance parts of one job's configs: where each participant keeps its trail and files, what it checks. */
import { join } from 'node:path';
import type { CoordinatorGovernance, NodeGovernance, Scenario } from '@fedrisk/shared';
import type { RunGovernance } from './prepare.ts';

export function coordinatorGovernanceOf(
  scenario: Scenario,
  gov: RunGovernance,
  identities: ReadonlyMap<string, { publicKey: string }>,
  jobDir: string,
): CoordinatorGovernance {
  return {
    auditFile: join(jobDir, 'coordinator', 'audit.jsonl'),
    filingFile: join(jobDir, 'coordinator', 'filing.json'),
    identityKeyFile: gov.coordinator.keyFile,
    roster: scenario.parties.map((p) => ({ party: p.id, publicKey: identities.get(p.id)?.publicKey as string })),
    ...(gov.regulator ? { suspensions: { file: gov.suspensionsFile, regulatorKey: gov.regulator.publicKey } } : {}),
  };
}

export function nodeGovernanceOf(scenario: Scenario, gov: RunGovernance, party: string, outDir: string): NodeGovernance {
  const recipient = party === scenario.job.recipient;
  const keys = gov.businessKeyFiles.get(party);
  return {
    auditFile: join(outDir, 'audit.jsonl'),
    filingFile: join(outDir, 'filing.json'),
    coordinatorKey: gov.coordinator.publicKey,
    purpose: gov.purpose,
    ...(recipient && gov.authorisationsFile ? { authorisations: gov.authorisationsFile } : {}),
    ...(!recipient && keys ? { businessKeys: keys } : {}),
    purposes: ['credit assessment'],
  };
}
