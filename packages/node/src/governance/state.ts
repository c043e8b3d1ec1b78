/**
 * What a party keeps for governance during a job: its audit trail, the
 * authorisations (recipient) or its customers' keys (holder), and the counts
 * its filing to the regulator is made from. Kept apart from the steps so the
 * session can hold it without importing them.
 */
import type { AuditTrail, Authorisation, AuthorisationVerdict, FilingSummary, NodeGovernance, VerifiedSignatures } from '@fedrisk/shared';

export interface GovernanceState {
  config: NodeGovernance;
  trail: AuditTrail;
  /** recipient: the authorisations its applicants gave it, by business */
  authorisations: Map<string, Authorisation> | undefined;
  /** holder: the keys its own customers registered with it */
  businessKeys: Map<string, string> | undefined;
  /** recipient: per holder, its set size (psi.reply), to pad the grants to */
  holderSize: Map<string, number>;
  /** recipient: holders it has sent authorisations to */
  granted: Set<string>;
  /** recipient: what it asked each holder */
  asked: NonNullable<FilingSummary['asked']>;
  /** recipient: pseudonyms of the authorisations it presented */
  tokens: Set<string>;
  /** holder: what it answered the recipient */
  answered: NonNullable<FilingSummary['answered']>;
  /** holder: the check of the recipient's authorisations, running while keys are set up */
  checking: Promise<void> | undefined;
  /** holder: its verdict on each record it could contribute */
  verdicts: Partial<Record<AuthorisationVerdict, number>>;
  /** holder: the signatures it verified in this run (config verifiedSignatures), once it has checked */
  signatures?: VerifiedSignatures;
  /** records whose values left this party (encrypted) */
  contributed: number;
  /** the heads of the job were countersigned by every participant */
  countersigned: boolean;
  /** the head this party sent when the job was sealed: the one it countersigns, once */
  sentHead?: { seq: number; hash: string };
}
