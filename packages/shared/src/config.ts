/**
 * Start-up configuration of the coordinator and of a party node, written by
 * the scenario runner (or by hand, for a multi-host run) and validated here.
 * A node's config holds only its own data path and model slice.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { FedError } from './errors.ts';
import { partyModelSchema, scorecardSchema } from './model.ts';
import { networkSchema } from './network.ts';
import { columnSpecSchema, roleSchemaOf, type TableSchema } from './party-data.ts';
import { alignmentSchema, ckksParamsSchema, idFormatSchema, jobIdSchema, keysSchema, partyIdSchema, roleSchema } from './protocol.ts';
import { trainingSchema } from './training.ts';

export const timeoutsSchema = z
  .object({
    joinMs: z.number().int().positive().default(60_000),
    phaseMs: z.number().int().positive().default(300_000),
  })
  .strict();

export const misbehaviourSchema = z.discriminatedUnion('kind', [
  /** present one party's input ciphertexts as the sum to be decrypted */
  z.object({ kind: z.literal('decrypt-input'), target: partyIdSchema }).strict(),
  /** ask every party twice for a share of the same ciphertext */
  z.object({ kind: z.literal('replay-decrypt') }).strict(),
]);
export type Misbehaviour = z.infer<typeof misbehaviourSchema>;

export const coordinatorConfigSchema = z
  .object({
    jobId: jobIdSchema,
    keys: keysSchema,
    alignment: alignmentSchema.default('query'),
    kind: z.enum(['scoring', 'training']).default('scoring'),
    training: trainingSchema.optional(),
    /** single-holder only */
    keyHolder: partyIdSchema.optional(),
    recipient: partyIdSchema,
    ckks: ckksParamsSchema,
    parties: z.array(z.object({ id: partyIdSchema, role: roleSchema, tokenSha256: z.string().regex(/^[0-9a-f]{64}$/) }).strict()).min(1),
    timeouts: timeoutsSchema.default({ joinMs: 60_000, phaseMs: 300_000 }),
    /** simulated latency and bandwidth on every link, applied by the coordinator */
    network: networkSchema.optional(),
    /** simulate a curious coordinator (for demonstrations and tests) */
    misbehave: misbehaviourSchema.optional(),
  })
  .strict();
export type CoordinatorConfig = z.infer<typeof coordinatorConfigSchema>;

export const faultSchema = z
  .object({
    /** the node process exits abruptly at this point of the job */
    crashAt: z.enum(['after-join', 'after-keys', 'before-partial']),
  })
  .strict();
export type Fault = z.infer<typeof faultSchema>;

export const nodeConfigSchema = z
  .object({
    party: partyIdSchema,
    role: roleSchema,
    data: z.string().min(1),
    /** the columns of this party's file, when its role has no fixed ones (real data) */
    columns: z.array(columnSpecSchema).optional(),
    idFormat: idFormatSchema.optional(),
    model: partyModelSchema,
    scorecard: scorecardSchema.optional(),
    /** file with one business id per line: the businesses this party asks to score (or trains on) */
    applicants: z.string().min(1).optional(),
    /** training, label holder: its own labels for those records (business_id,label) */
    labels: z.string().min(1).optional(),
    /** a model file this party wrote itself (after training); replaces `model`'s weights */
    modelFile: z.string().min(1).optional(),
    outDir: z.string().min(1),
    fault: faultSchema.optional(),
    /** this party's own Ed25519 identity key (base64 PKCS#8 DER) */
    identityKey: z.string().min(1).optional(),
    /** every party's identity public key, distributed out of band like credentials */
    roster: z.array(z.object({ party: partyIdSchema, role: roleSchema, publicKey: z.string().min(1) }).strict()).optional(),
  })
  .strict();
export type NodeConfig = z.infer<typeof nodeConfigSchema>;

/** The schema a node checks its own file against. */
export function nodeTableSchema(config: NodeConfig): TableSchema {
  if (config.columns) return { columns: config.columns, idFormat: config.idFormat ?? 'plain' };
  if (config.role === 'holder') throw new FedError('CONFIG_ERR_INVALID', `${config.party} has role holder but its config lists no columns`);
  return roleSchemaOf(config.role);
}

export function formatZodIssues(error: z.ZodError, prefix = ''): string {
  return error.issues
    .map((i) => {
      const path = [prefix, ...i.path.map(String)].filter(Boolean).join('.');
      return `${path || '(root)'}: ${i.message}`;
    })
    .join('; ');
}

export async function readJsonConfig<T>(path: string, schema: z.ZodType<T>, what: string): Promise<T> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (cause) {
    throw new FedError('CONFIG_ERR_INVALID', `cannot read ${what} ${path}: ${(cause as Error).message}`, { cause });
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new FedError('CONFIG_ERR_INVALID', `${what} ${path} is invalid: ${formatZodIssues(parsed.error)}`);
  return parsed.data;
}
