/** What a node's and the coordinator's configs say about governance: where each keeps its trail, what it checks. */
import { z } from 'zod';
import { partyIdSchema } from '../wire/ids.ts';
import { CREDIT_ASSESSMENT } from './authorisation.ts';

export const nodeGovernanceSchema = z
  .object({
    /** this party's audit trail (appended to, continuing its chain, if it exists) */
    auditFile: z.string().min(1),
    /** where it leaves its filing for the regulator (head and summary) */
    filingFile: z.string().min(1).optional(),
    /** the coordinator's identity public key: its head is checked before it is countersigned */
    coordinatorKey: z.string().min(1),
    /** recipient: the purpose it states to the holders */
    purpose: z.string().min(1).max(100).default(CREDIT_ASSESSMENT),
    /** recipient: the authorisations its applicants gave it (business_id,bank,purpose,sources,expires_day,signature) */
    authorisations: z.string().min(1).optional(),
    /** holder: the keys its own customers registered with it; with it, it contributes only authorised records */
    businessKeys: z.string().min(1).optional(),
    /** holder: the purposes it answers for */
    purposes: z.array(z.string().min(1).max(100)).min(1).default([CREDIT_ASSESSMENT]),
    /**
     * holder: authorisation signatures it verified, kept for the run (owner-only): `keep` is where it
     * writes this job's, `reuse` one it wrote in an earlier job of the run. Only the Ed25519 check is
     * remembered; purpose, expiry and sources are checked every job.
     */
    verifiedSignatures: z
      .object({ keep: z.string().min(1).optional(), reuse: z.string().min(1).optional() })
      .strict()
      .optional(),
  })
  .strict();
export type NodeGovernance = z.infer<typeof nodeGovernanceSchema>;

export const coordinatorGovernanceSchema = z
  .object({
    auditFile: z.string().min(1),
    filingFile: z.string().min(1).optional(),
    /** the coordinator's own identity key file (made like a party's) */
    identityKeyFile: z.string().min(1),
    /** every party's identity public key, to check the heads they sign */
    roster: z.array(z.object({ party: partyIdSchema, publicKey: z.string().min(1) }).strict()),
    /** the regulator's signed list of suspended participants, and its key */
    suspensions: z
      .object({ file: z.string().min(1), regulatorKey: z.string().min(1) })
      .strict()
      .optional(),
  })
  .strict();
export type CoordinatorGovernance = z.infer<typeof coordinatorGovernanceSchema>;

const count = z.number().int().min(0);

/** A party's own account of governance in its summary.json: its trail, its verdicts on the recipient's authorisations. */
export const partyGovernanceSchema = z
  .object({
    trailEntries: count,
    countersigned: z.boolean(),
    /** records whose values left this party, encrypted */
    contributed: count,
    /** holder: its verdict on each of its records the recipient asked about (valid, missing, signature, expired, purpose, source, no-key) */
    verdicts: z.record(z.string(), count),
    /** holder: authorisation signatures it checked with Ed25519 this job, and those it had verified earlier in the run */
    signatures: z.object({ verified: count, remembered: count }).strict().optional(),
  })
  .strict();
export type PartyGovernance = z.infer<typeof partyGovernanceSchema>;
