/**
 * Scenario files (YAML): parties, data, model, crypto parameters, faults.
 * Every field is checked here; an error names the field's path.
 */
import { z } from 'zod';
import { DEFAULT_CKKS, THRESHOLD_TRAINING_CKKS, TRAINING_CKKS } from '../crypto/ckks.ts';
import { type ColumnSpec, dataFormatSchema, ROLE_COLUMNS, type TableSchema } from '../data/columns.ts';
import { modelSpecSchema } from '../model/infer.ts';
import { scorecardSchema } from '../model/scorecard.ts';
import { didYouMean } from '../util/suggest.ts';
import { alignmentSchema, keysSchema, partyIdSchema, psiHashSchema, roleSchema } from '../wire/ids.ts';
import { ckksParamsSchema, DEFAULT_PAILLIER, paillierParamsSchema, trainingParamsSchema } from '../wire/params.ts';
import { attackSchema } from './attacks.ts';
import { governanceIssues, scenarioGovernanceSchema } from './governance.ts';
import { networkIssues, networkSchema } from './network.ts';
import { policyIssues, policySchema } from './policy.ts';
import { portfolioSchema } from './portfolio.ts';
import { faultPointSchema, timeoutsSchema } from './process.ts';

const syntheticDataSchema = z
  .object({
    kind: z.literal('synthetic'),
    businesses: z.number().int().min(10).max(2_000_000),
    defaultRate: z.number().gt(0).lt(0.5).default(0.02),
    /** standard deviation of the noise added to the hidden default logit */
    labelNoise: z.number().min(0).max(5).default(0.5),
    /** how each party's own records are stored: csv, parquet or duckdb (a database file with a table "records") */
    format: dataFormatSchema.default('csv'),
  })
  .strict();

/** Real data: one file with a header row, split into per-party files by the runner before any party starts. */
const csvDataSchema = z
  .object({
    kind: z.literal('csv'),
    /** relative to the scenario file's folder */
    file: z.string().min(1),
    /** the column that identifies a record */
    id: z.string().min(1),
    /** the 0/1 outcome column: the referee reads it, and in a training job the recipient gets the labels of its own training rows */
    label: z.string().min(1),
    /** which party holds which columns */
    columns: z.record(partyIdSchema, z.array(z.string().min(1)).min(1)),
    /** columns whose values are categories, not numbers */
    categorical: z.array(z.string().min(1)).default([]),
    /** cells that mean "no value" */
    missingValues: z.array(z.string()).default(['', 'nan', 'NaN', 'NA']),
    /** a row with a missing feature value: refuse the file (default), or leave the row out and say so */
    onMissing: z.enum(['reject', 'drop-row']).default('reject'),
    /** how each party's own records are stored once the file is split */
    format: dataFormatSchema.default('csv'),
  })
  .strict();

export const scenarioSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - only'),
    description: z.string().default(''),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 32 - 1),
    data: z.discriminatedUnion('kind', [syntheticDataSchema, csvDataSchema]),
    parties: z
      .array(
        z
          .object({
            id: partyIdSchema,
            role: roleSchema,
            /** share of the population (synthetic) or of the file's rows (csv) this party has records for */
            coverage: z.number().gt(0).max(1).default(1),
          })
          .strict(),
      )
      .min(2),
    job: z
      .object({
        /** threshold: every party holds a key share and all must take part to decrypt; single-holder: the recipient holds the key */
        keys: keysSchema.default('threshold'),
        /** single-holder: who generates and holds the secret key (the recipient, who alone may decrypt) */
        keyHolder: z.string().optional(),
        /** threshold: how many parties must take part in a decryption; n-of-n only */
        threshold: z.number().int().min(1).optional(),
        /**
         * query: the recipient sends its applicant list to every holder; psi: private set
         * intersection, each holder learns only which of its own customers are applicants;
         * psi-cardinality: only the overlap sizes are learned, and nothing is scored
         */
        alignment: alignmentSchema.default('psi'),
        /** other designs to run on the same data, for a side-by-side comparison in the report */
        compareWith: z.array(keysSchema).default([]),
        /** psi: the designs after the first reuse its alignment, each party from its own record, instead of running PSI again */
        reuseAlignment: z.boolean().default(true),
        recipient: partyIdSchema,
        /** how many of the recipient's own customers it asks to score, or "all" */
        applicants: z.union([z.number().int().min(1), z.literal('all')]).default('all'),
      })
      .strict(),
    crypto: z
      .object({
        ckks: ckksParamsSchema.default(DEFAULT_CKKS),
        training: ckksParamsSchema.default(TRAINING_CKKS),
        thresholdTraining: ckksParamsSchema.default(THRESHOLD_TRAINING_CKKS),
        paillier: paillierParamsSchema.default(DEFAULT_PAILLIER),
      })
      .strict()
      .default({ ckks: DEFAULT_CKKS, training: TRAINING_CKKS, thresholdTraining: THRESHOLD_TRAINING_CKKS, paillier: DEFAULT_PAILLIER }),
    /** PSI alignment: sha256 (one multiplication per id, the default) or random-oracle (RFC 9380 hash to the group); docs/SECURITY.md */
    psi: z
      .object({ hash: psiHashSchema.default('sha256') })
      .strict()
      .prefault({}),
    /** train the model jointly first; the scoring jobs then use each party's trained weights */
    train: trainingParamsSchema.optional(),
    scorecard: scorecardSchema.default(scorecardSchema.parse({})),
    /** the credit policy the referee applies to the recipient's scores: approval, review, limits, credit loans */
    policy: policySchema.prefault({}),
    /** loans, losses and who bears them, under macro scenarios */
    portfolio: portfolioSchema.prefault({}),
    /**
     * each party's features and weights; optional with train: a party left out,
     * or a column its entry leaves out, is completed by the party from its own data
     */
    model: z.record(partyIdSchema, modelSpecSchema).default({}),
    timeouts: timeoutsSchema.prefault({}),
    /** simulated wide-area network between each party and the coordinator, the same on every link or per party */
    network: networkSchema.default({ latencyMs: 0 }),
    /** attacks to stage, to show what the defences stop (at most one per run) */
    attacks: z.array(attackSchema).max(1).default([]),
    /** on (default); off shows an attack succeeding; both runs the job each way, side by side (off and both need attacks:) */
    defences: z.enum(['on', 'off', 'both']).default('on'),
    /** audit trail, authorisations, regulator (docs/SECURITY.md) */
    governance: scenarioGovernanceSchema.prefault({}),
    faults: z
      .array(
        z.union([
          z.object({ party: partyIdSchema, crashAt: faultPointSchema }).strict(),
          z.object({ coordinator: z.literal('decrypt-input'), target: partyIdSchema }).strict(),
          z.object({ coordinator: z.literal('replay-decrypt') }).strict(),
        ]),
      )
      .default([]),
  })
  .strict()
  .superRefine((s, ctx) => {
    const ids = s.parties.map((p) => p.id);
    ids.forEach((id, i) => {
      if (ids.indexOf(id) !== i) ctx.addIssue({ code: 'custom', path: ['parties', i, 'id'], message: `party id "${id}" appears twice` });
    });
    const recipient = s.parties.find((p) => p.id === s.job.recipient);
    if (!recipient)
      ctx.addIssue({
        code: 'custom',
        path: ['job', 'recipient'],
        message: `"${s.job.recipient}" is not one of the parties (${ids.join(', ')})${didYouMean(s.job.recipient, ids)}`,
      });
    else if (recipient.role !== 'bank') ctx.addIssue({ code: 'custom', path: ['job', 'recipient'], message: 'the result recipient must have role bank' });
    if (s.data.kind === 'synthetic') {
      s.parties.forEach((p, i) => {
        if (p.role === 'holder')
          ctx.addIssue({
            code: 'custom',
            path: ['parties', i, 'role'],
            message: 'synthetic data has columns for bank, tax, guarantor, power, social and logistics only; a holder needs data.kind: csv',
          });
      });
    } else {
      const shifted = (s.portfolio.macro ?? []).findIndex(
        (m) => m.defaultOdds !== 1 || m.clusters.length || Object.keys({ ...m.industries, ...m.cities }).length,
      );
      if (shifted >= 0)
        ctx.addIssue({
          code: 'custom',
          path: ['portfolio', 'macro', shifted],
          message: "shifting default risk needs the synthetic population's hidden risk; real data can only run its own labels",
        });
      const data = s.data;
      const seen = new Map<string, string>();
      s.parties.forEach((p, i) => {
        if (!data.columns[p.id])
          ctx.addIssue({ code: 'custom', path: ['data', 'columns', p.id], message: `party "${p.id}" (parties[${i}]) is given no columns` });
      });
      for (const [party, cols] of Object.entries(data.columns)) {
        if (!ids.includes(party))
          ctx.addIssue({ code: 'custom', path: ['data', 'columns', party], message: `"${party}" is not one of the parties${didYouMean(party, ids)}` });
        for (const c of cols) {
          if (c === data.id || c === data.label)
            ctx.addIssue({ code: 'custom', path: ['data', 'columns', party], message: `"${c}" is the id or label column; it cannot be a feature` });
          const other = seen.get(c);
          if (other) ctx.addIssue({ code: 'custom', path: ['data', 'columns', party], message: `column "${c}" is already given to ${other}` });
          seen.set(c, party);
        }
      }
    }
    checkModel(s, ctx);
    for (const issue of governanceIssues(s.governance, s.job.recipient))
      ctx.addIssue({ code: 'custom', path: ['governance', ...issue.path], message: issue.message });
    if (recipient) {
      for (const issue of policyIssues(
        s.policy,
        tableSchemaOf(s, recipient.id).columns,
        s.scorecard.grades.map((g) => g.grade),
      ))
        ctx.addIssue({ code: 'custom', path: ['policy', ...issue.path], message: issue.message });
    }
    // the noise comes through decryption shares: a single key holder would decrypt the gradients without it
    if (s.train?.dp && s.job.keys !== 'threshold')
      ctx.addIssue({
        code: 'custom',
        path: ['train', 'dp'],
        message: 'differential privacy in training needs job.keys: threshold (the noise is added through the decryption shares)',
      });
    const macroNames = (s.portfolio.macro ?? []).map((m) => m.name);
    macroNames.forEach((name, i) => {
      if (macroNames.indexOf(name) !== i)
        ctx.addIssue({ code: 'custom', path: ['portfolio', 'macro', i, 'name'], message: `macro scenario "${name}" appears twice` });
    });
    // the names the run's other participants go by: their events, traces, identity keys and processes would be taken for the party's
    s.parties.forEach((p, i) => {
      if (p.id === 'coordinator' || p.id === 'regulator')
        ctx.addIssue({ code: 'custom', path: ['parties', i, 'id'], message: `"${p.id}" is the name of the run's ${p.id}: choose another id for this party` });
    });
    for (const issue of networkIssues(s.network, ids)) ctx.addIssue({ code: 'custom', ...issue, path: ['network', ...issue.path] });
    s.faults.forEach((f, i) => {
      if ('party' in f && !ids.includes(f.party))
        ctx.addIssue({ code: 'custom', path: ['faults', i, 'party'], message: `"${f.party}" is not one of the parties${didYouMean(f.party, ids)}` });
      if ('target' in f && !ids.includes(f.target))
        ctx.addIssue({ code: 'custom', path: ['faults', i, 'target'], message: `"${f.target}" is not one of the parties${didYouMean(f.target, ids)}` });
      // it acts in the threshold design, whether that is job.keys or a design compared with it
      if ('coordinator' in f && s.job.keys !== 'threshold' && !s.job.compareWith.includes('threshold')) {
        ctx.addIssue({
          code: 'custom',
          path: ['faults', i, 'coordinator'],
          message: 'a curious-coordinator fault needs threshold keys, in job.keys or job.compareWith (under single-holder nothing stops it)',
        });
      }
    });
    // training is CKKS only: its models then score under every design, the non-CKKS ones included
    if (s.train && (s.job.keys === 'plaintext' || s.job.keys === 'paillier'))
      ctx.addIssue({
        code: 'custom',
        path: ['job', 'keys'],
        message: `train: runs under threshold or single-holder, not ${s.job.keys}; compare ${s.job.keys} in job.compareWith`,
      });
    if (s.defences !== 'on' && !s.attacks.length)
      ctx.addIssue({ code: 'custom', path: ['defences'], message: 'defences can be turned off only to show an attack: add attacks:' });
    for (const [i, a] of s.attacks.entries()) {
      const named = 'by' in a ? [a.by] : a.kind === 'collusion' ? [...a.parties, a.target] : 'target' in a ? [a.target] : [];
      for (const id of named) if (!ids.includes(id)) ctx.addIssue({ code: 'custom', path: ['attacks', i], message: `"${id}" is not one of the parties` });
      const needs = ['rogue-key', 'crafted-input', 'cancelling-input', 'downgrade', 'tamper'].includes(a.kind)
        ? 'threshold'
        : a.kind === 'key-swap'
          ? 'single-holder'
          : undefined;
      const other = [s.job.keys, ...s.job.compareWith].find((k) => k === 'plaintext' || k === 'paillier');
      if (other)
        ctx.addIssue({ code: 'custom', path: ['job', 'keys'], message: `attacks are staged under the CKKS designs (threshold, single-holder), not ${other}` });
      if (needs && s.job.keys !== needs)
        ctx.addIssue({ code: 'custom', path: ['attacks', i, 'kind'], message: `the ${a.kind} attack needs job.keys: ${needs}` });
      if ((a.kind === 'crafted-input' || a.kind === 'cancelling-input' || a.kind === 'psi-probe') && a.by !== s.job.recipient)
        ctx.addIssue({ code: 'custom', path: ['attacks', i, 'by'], message: `the ${a.kind} attack is staged by the recipient (${s.job.recipient})` });
      if (a.kind === 'psi-probe' && s.job.alignment !== 'psi')
        ctx.addIssue({ code: 'custom', path: ['attacks', i, 'kind'], message: 'psi-probe needs job.alignment: psi' });
    }
    // key custody: the coordinator never holds a secret key, and threshold means every party
    const holder = s.job.keyHolder;
    if (holder === 'coordinator') {
      ctx.addIssue({ code: 'custom', path: ['job', 'keyHolder'], message: 'the coordinator must never hold a secret key: it sees every ciphertext' });
    } else if (holder !== undefined && s.job.keys === 'threshold') {
      ctx.addIssue({
        code: 'custom',
        path: ['job', 'keyHolder'],
        message: 'under threshold keys nobody holds the whole secret key; drop keyHolder or use keys: single-holder',
      });
    } else if (holder !== undefined && holder !== s.job.recipient) {
      ctx.addIssue({
        code: 'custom',
        path: ['job', 'keyHolder'],
        message: `the key holder must be the recipient (${s.job.recipient}): only the party entitled to the result may decrypt`,
      });
    }
    if (s.job.threshold !== undefined && s.job.threshold !== s.parties.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['job', 'threshold'],
        message: `decryption must need all ${s.parties.length} parties (n-of-n); ${s.job.threshold} of ${s.parties.length} would let a coalition read another party's data`,
      });
    }
  });

export type Scenario = z.infer<typeof scenarioSchema>;

type Ctx = z.RefinementCtx<Scenario>;

/**
 * The model section against the parties' columns (names and kinds only: the
 * loader never sees a party's values). Without train: every party states
 * every feature it uses, with its weights. With train: any of it may be left
 * out; each party completes its model from its own data.
 */
function checkModel(s: Scenario, ctx: Ctx): void {
  const ids = s.parties.map((p) => p.id);
  if (!s.train)
    for (const p of s.parties)
      if (!s.model[p.id])
        ctx.addIssue({
          code: 'custom',
          path: ['model', p.id],
          message: `party "${p.id}" has no model: without a train: section every party needs its features and weights (add train: to learn them)`,
        });
  for (const [party, m] of Object.entries(s.model)) {
    const p = s.parties.find((x) => x.id === party);
    if (!p) {
      ctx.addIssue({ code: 'custom', path: ['model', party], message: `"${party}" is not one of the parties (${ids.join(', ')})${didYouMean(party, ids)}` });
      continue;
    }
    const features = m.features;
    if (features && !Object.keys(features).length) {
      const fix = s.train ? `leave features out (or ${party} out of model:) to use all its columns` : 'list the features it uses, with their weights';
      ctx.addIssue({ code: 'custom', path: ['model', party, 'features'], message: `the feature list is empty: ${fix}` });
    } else if (!features && !s.train) {
      ctx.addIssue({
        code: 'custom',
        path: ['model', party],
        message: 'no features: without a train: section the model lists every feature it uses, with its weights',
      });
    }
    const columns = tableSchemaOf(s, p.id).columns;
    const names = columns.map((c) => c.name);
    for (const [col, fw] of Object.entries(features ?? {})) {
      const at = ['model', party, 'features', col];
      const spec = columns.find((c) => c.name === col);
      if (!spec) {
        ctx.addIssue({ code: 'custom', path: at, message: `${party} has no column "${col}"${didYouMean(col, names)} (it has ${names.join(', ')})` });
      } else if ((spec.kind === 'category') !== (fw.transform === 'onehot') && !(fw.transform === 'onehot' && s.data.kind === 'csv')) {
        ctx.addIssue({
          code: 'custom',
          path: [...at, 'transform'],
          message: spec.kind === 'category' ? 'a categorical column needs transform onehot' : `a numeric column takes transform z or log1p`,
        });
      } else if (fw.transform === 'onehot') {
        for (const cat of Object.keys(fw.weights ?? {})) {
          // real data: categories are whatever each party's own file holds, not known here
          if (spec.categories && !spec.categories.includes(cat))
            ctx.addIssue({ code: 'custom', path: [...at, 'weights', cat], message: `"${cat}" is not one of ${spec.categories.join(', ')}` });
        }
        if (!s.train && !Object.keys(fw.weights ?? {}).length)
          ctx.addIssue({ code: 'custom', path: [...at, 'weights'], message: 'without a train: section a one-hot feature needs a weight per category' });
      } else if (!s.train && fw.weight === undefined) {
        ctx.addIssue({ code: 'custom', path: [...at, 'weight'], message: 'without a train: section every feature needs its weight' });
      }
    }
    if (m.intercept !== 0 && party !== s.job.recipient) {
      ctx.addIssue({ code: 'custom', path: ['model', party, 'intercept'], message: "the intercept belongs in the recipient's model" });
    }
  }
}

/** The columns a party's file holds under this scenario, and its id format. */
export function tableSchemaOf(s: Pick<Scenario, 'data' | 'parties'>, partyId: string): TableSchema {
  const party = s.parties.find((p) => p.id === partyId);
  if (s.data.kind === 'synthetic') {
    const role = party?.role;
    return { columns: role && role !== 'holder' ? ROLE_COLUMNS[role] : [], idFormat: 'uscc' };
  }
  const categorical = new Set(s.data.categorical);
  const columns: ColumnSpec[] = (s.data.columns[partyId] ?? []).map((name) =>
    categorical.has(name) ? { name, kind: 'category', description: '' } : { name, kind: 'number', description: '' },
  );
  return { columns, idFormat: 'plain' };
}
