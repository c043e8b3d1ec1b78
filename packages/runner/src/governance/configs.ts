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

/** Where a holder keeps the authorisation signatures it verified in a job (owner-only, in its folder of that job). */
export const verifiedSignaturesFile = (partyDir: string) => join(partyDir, 'verified-signatures.json');

/** `signatures`: a job that keeps them for a later one, and the earlier job's party folder whose it reuses. */
export function nodeGovernanceOf(
  scenario: Scenario,
  gov: RunGovernance,
  party: string,
  outDir: string,
  signatures: { keepIn?: string | undefined; reuseFrom?: string | undefined } = {},
): NodeGovernance {
  const recipient = party === scenario.job.recipient;
  const keys = gov.businessKeyFiles.get(party);
  return {
    auditFile: join(outDir, 'audit.jsonl'),
    filingFile: join(outDir, 'filing.json'),
    coordinatorKey: gov.coordinator.publicKey,
    purpose: gov.purpose,
    ...(recipient && gov.authorisationsFile ? { authorisations: gov.authorisationsFile } : {}),
    ...(!recipient && keys ? { businessKeys: keys } : {}),
    ...(!recipient && keys && (signatures.keepIn || signatures.reuseFrom)
      ? {
          verifiedSignatures: {
            ...(signatures.keepIn ? { keep: verifiedSignaturesFile(signatures.keepIn) } : {}),
            ...(signatures.reuseFrom ? { reuse: verifiedSignaturesFile(signatures.reuseFrom) } : {}),
          },
        }
      : {}),
    purposes: ['credit assessment'],
  };
}
