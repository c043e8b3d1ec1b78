/**
 * Start-up configuration of the coordinator and of a party node, written by
 * the scenario runner (or by hand, for a multi-host run) and validated here.
 * A node's config holds only its own data path and model slice.
 */
import { z } from 'zod';
import { columnSpecSchema, dataFormatSchema, roleSchemaOf, type TableSchema } from '../data/columns.ts';
import { coordinatorGovernanceSchema, nodeGovernanceSchema } from '../governance/config.ts';
import { modelSpecSchema } from '../model/infer.ts';
import { MAX_REASON_CODES } from '../model/reason-payload.ts';
import { scorecardSchema } from '../model/scorecard.ts';
import { FedError } from '../util/errors.ts';
import { alignmentSchema, idFormatSchema, jobIdSchema, jobKindSchema, keysSchema, partyIdSchema, psiHashSchema, roleSchema } from '../wire/ids.ts';
import { ckksParamsSchema, paillierParamsSchema, trainingParamsSchema } from '../wire/params.ts';
import { coordinatorAttackSchema, partyAttackSchema } from './attacks.ts';
import { networkIssues, networkSchema } from './network.ts';
import { policySchema } from './policy.ts';

/** A party's reasons settings: codes per rejected applicant, the band width and the scorecard's points per unit of logit. */
export const reasonsConfigSchema = z
  .object({
    count: z.number().int().min(1).max(MAX_REASON_CODES),
    bandPoints: z.number().positive().max(1000),
    pointsPerLogit: z.number().positive(),
    /** recipient: compare contested cross-party candidates under encryption (reasons-refine) */
    refine: z.boolean().optional(),
  })
  .strict();
export type ReasonsConfig = z.infer<typeof reasonsConfigSchema>;

export const timeoutsSchema = z
  .object({
    /** every listed party must join within this */
    joinMs: z.number().int().positive().default(60_000),
    /** a phase that makes no progress for this long fails the job, naming whom it waits for */
    phaseMs: z.number().int().positive().default(300_000),
    /** a connection must finish its WebSocket upgrade and say hello within this, or it is closed */
    helloMs: z.number().int().positive().max(600_000).default(5_000),
    /** how often each side checks that the other is alive (WebSocket ping) */
    heartbeatMs: z.number().int().positive().max(600_000).default(2_000),
    /** a peer silent for this long (no pong, no frame) is gone: the job fails naming it */
    silenceMs: z.number().int().positive().max(3_600_000).default(10_000),
  })
  .strict();

const misbehaviourSchema = z.discriminatedUnion('kind', [
  /** present one party's input ciphertexts as the sum to be decrypted */
  z.object({ kind: z.literal('decrypt-input'), target: partyIdSchema }).strict(),
  /** ask every party twice for a share of the same ciphertext */
  z.object({ kind: z.literal('replay-decrypt') }).strict(),
]);

export const coordinatorConfigSchema = z
  .object({
    jobId: jobIdSchema,
    keys: keysSchema,
    alignment: alignmentSchema.default('query'),
    /** PSI alignment: the hash to the curve, sent to every party in job.start */
    psiHash: psiHashSchema.default('random-oracle'),
    /** scoring with PSI: every party reuses its own record of this earlier job's alignment (each must have agreed to) */
    reuseAlignment: jobIdSchema.optional(),
    kind: jobKindSchema.default('scoring'),
    training: trainingParamsSchema.optional(),
    /** single-holder only */
    keyHolder: partyIdSchema.optional(),
    recipient: partyIdSchema,
    ckks: ckksParamsSchema,
    /** paillier only */
    paillier: paillierParamsSchema.optional(),
    parties: z.array(z.object({ id: partyIdSchema, role: roleSchema, tokenSha256: z.string().regex(/^[0-9a-f]{64}$/) }).strict()).min(1),
    timeouts: timeoutsSchema.prefault({}),
    /** simulated latency and bandwidth on every link (or per party), applied by the coordinator */
    network: networkSchema.optional(),
    /** simulate a curious coordinator (for demonstrations and tests) */
    misbehave: misbehaviourSchema.optional(),
    /** false only to show an attack succeeding: no commit-then-reveal round, no checks it could skip */
    defences: z.boolean().default(true),
    /** an attack this coordinator stages (scenario attacks:) */
    attack: coordinatorAttackSchema.optional(),
    /** audit trail, head exchange and the regulator's suspensions (governance) */
    governance: coordinatorGovernanceSchema.optional(),
    /** TLS: the coordinator's certificate (issued by the run's CA) and its private key, PEM files */
    tls: z
      .object({ cert: z.string().min(1), key: z.string().min(1) })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.reuseAlignment && (c.alignment !== 'psi' || c.kind !== 'scoring'))
      ctx.addIssue({ code: 'custom', path: ['reuseAlignment'], message: 'only a scoring job aligned by psi reuses an earlier alignment' });
    // a link named for nobody would silently go unshaped
    if (c.network)
      for (const issue of networkIssues(
        c.network,
        c.parties.map((p) => p.id),
      ))
        ctx.addIssue({ code: 'custom', ...issue, path: ['network', ...issue.path] });
  });
export type CoordinatorConfig = z.infer<typeof coordinatorConfigSchema>;
/** A coordinator config as written by hand: fields with defaults may be left out. */
export type CoordinatorConfigInput = z.input<typeof coordinatorConfigSchema>;

/** Points of a job at which a party can be made to crash on purpose (scenario `faults`). */
export const faultPointSchema = z.enum(['after-join', 'after-keys', 'before-partial']);
export type FaultPoint = z.infer<typeof faultPointSchema>;

const faultSchema = z
  .object({
    /** the node process exits abruptly at this point of the job */
    crashAt: faultPointSchema,
  })
  .strict();

/** What a party agreed to take part in, pinned in its config: the coordinator cannot change it. */
export const agreementSchema = z
  .object({
    jobId: jobIdSchema,
    kind: jobKindSchema,
    keys: keysSchema,
    alignment: alignmentSchema,
    /** PSI's hash to the curve; the stronger random-oracle when left out, so a coordinator cannot downgrade it */
    psiHash: psiHashSchema.optional(),
    /** the earlier job whose alignment this party agreed to reuse (its own record, reuseAlignmentFrom); none: it runs PSI */
    reuseAlignment: jobIdSchema.optional(),
    recipient: partyIdSchema,
    keyHolder: partyIdSchema.optional(),
    parties: z.array(z.object({ id: partyIdSchema, role: roleSchema }).strict()).min(1),
    ckks: ckksParamsSchema,
    training: trainingParamsSchema.optional(),
    paillier: paillierParamsSchema.optional(),
    /** most applicants (slots) the recipient may ask about */
    maxApplicants: z.number().int().min(1),
  })
  .strict()
  .superRefine((a, ctx) => {
    if (a.reuseAlignment && (a.alignment !== 'psi' || a.kind !== 'scoring'))
      ctx.addIssue({ code: 'custom', path: ['reuseAlignment'], message: 'only a scoring job aligned by psi reuses an earlier alignment' });
  });
export type Agreement = z.infer<typeof agreementSchema>;

export const nodeConfigSchema = z
  .object({
    party: partyIdSchema,
    role: roleSchema,
    data: z.string().min(1),
    /** how that file stores the records */
    dataFormat: dataFormatSchema.default('csv'),
    /** the columns of this party's file, when its role has no fixed ones (real data) */
    columns: z.array(columnSpecSchema).optional(),
    idFormat: idFormatSchema.optional(),
    /** this party's model: features with weights, or (with inferFeatures) the ones it states, weights optional */
    model: modelSpecSchema.prefault({}),
    /** training: the party adds every column of its own table that model does not list (completeModel) */
    inferFeatures: z.boolean().default(false),
    scorecard: scorecardSchema.optional(),
    /** the recipient: the credit policy it applies to its own scores (limit.column resolved), so its output has decisions */
    policy: policySchema.optional(),
    /** every party of a scoring job: the reasons it gives for rejected applicants (recipient: at least; holder: at most) */
    reasons: reasonsConfigSchema.optional(),
    /** PSI scoring: where this party keeps its own record of the alignment (owner-only), for a later job of the run */
    alignmentRecord: z.string().min(1).optional(),
    /** the record of an earlier job's alignment this party made itself, for a job that reuses it (agreement.reuseAlignment) */
    reuseAlignmentFrom: z.string().min(1).optional(),
    /** file with one business id per line: the businesses this party asks to score (or trains on) */
    applicants: z.string().min(1).optional(),
    /** training, label holder: its own labels for those records (business_id,label) */
    labels: z.string().min(1).optional(),
    /** a model file this party wrote itself (after training); replaces `model`'s weights */
    modelFile: z.string().min(1).optional(),
    outDir: z.string().min(1),
    fault: faultSchema.optional(),
    /** the file holding this party's own Ed25519 identity key, which it made itself (`node --keygen`) */
    identityKeyFile: z.string().min(1).optional(),
    /** the job this party agreed to: a job.start or key that differs is refused */
    agreement: agreementSchema.optional(),
    /** false only to show an attack succeeding: this node skips its checks and the commit round */
    defences: z.boolean().default(true),
    /** an attack this party stages (scenario attacks:) */
    attack: partyAttackSchema.optional(),
    /** a psi-probe attacker's guessed record ids, one per line (the runner draws them) */
    probeFile: z.string().min(1).optional(),
    /** TLS: the run's CA certificate (PEM file), which must have issued the coordinator's certificate */
    tls: z
      .object({ ca: z.string().min(1) })
      .strict()
      .optional(),
    /** how long the coordinator may stay silent before this node gives up on it */
    timeouts: timeoutsSchema.prefault({}),
    /** audit trail and authorisations (governance) */
    governance: nodeGovernanceSchema.optional(),
    /** every party's identity public key, distributed out of band like credentials */
    roster: z.array(z.object({ party: partyIdSchema, role: roleSchema, publicKey: z.string().min(1) }).strict()).optional(),
  })
  .strict();
export type NodeConfig = z.infer<typeof nodeConfigSchema>;
/** A node config as written by hand: fields with defaults may be left out. */
export type NodeConfigInput = z.input<typeof nodeConfigSchema>;

/** The schema a node checks its own file against. */
export function nodeTableSchema(config: NodeConfig): TableSchema {
  if (config.columns) return { columns: config.columns, idFormat: config.idFormat ?? 'plain' };
  if (config.role === 'holder') throw new FedError('CONFIG_ERR_INVALID', `${config.party} has role holder but its config lists no columns`);
  return roleSchemaOf(config.role);
}
