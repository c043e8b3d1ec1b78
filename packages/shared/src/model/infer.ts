/**
 * A party's model as a scenario or a node config may state it (a model
 * spec: features with or without weights), and how a party completes it
 * from its own table. Completion happens where the data is: inside the
 * party's node, from its own rows; the categories it sees stay with it.
 */
import { z } from 'zod';
import type { PartyTable } from '../data/table.ts';
import { FedError } from '../util/errors.ts';
import type { PartyModel } from './model.ts';

const weight = z.number().finite();

/** A feature as a spec states it: its transform, and its weight(s) if known (training learns them). */
const featureSpecSchema = z.discriminatedUnion('transform', [
  z.object({ transform: z.literal('z'), weight: weight.optional() }).strict(),
  z.object({ transform: z.literal('log1p'), weight: weight.optional() }).strict(),
  z.object({ transform: z.literal('onehot'), weights: z.record(z.string(), weight).optional() }).strict(),
]);

export const modelSpecSchema = z
  .object({
    /** only the recipient's model has one; training learns it */
    intercept: weight.default(0),
    /** the features this party's model states; a party completing its model adds the rest of its columns */
    features: z.record(z.string(), featureSpecSchema).optional(),
  })
  .strict();
export type ModelSpec = z.infer<typeof modelSpecSchema>;

/** Skewness above which a non-negative numeric column is log1p-transformed before standardising. */
export const LOG1P_SKEWNESS = 2;

/**
 * The transform for a numeric column, from its values: log1p when no value is
 * negative, it has more than two distinct values and its skewness (third
 * standardised moment) is above LOG1P_SKEWNESS (a long right tail, like
 * amounts of money); z otherwise. Either way the result is then standardised.
 */
export function inferTransform(values: Float64Array): 'z' | 'log1p' {
  const n = values.length;
  if (n < 3) return 'z';
  let mean = 0;
  let min = Number.POSITIVE_INFINITY;
  const distinct = new Set<number>();
  for (const x of values) {
    mean += x;
    min = Math.min(min, x);
    if (distinct.size < 3) distinct.add(x);
  }
  if (min < 0 || distinct.size < 3) return 'z';
  mean /= n;
  let m2 = 0;
  let m3 = 0;
  for (const x of values) {
    const d = x - mean;
    m2 += d * d;
    m3 += d * d * d;
  }
  m2 /= n;
  m3 /= n;
  return m2 > 0 && m3 / m2 ** 1.5 > LOG1P_SKEWNESS ? 'log1p' : 'z';
}

/**
 * A full model from a spec that gives every weight (a scoring job without
 * training): a feature without its weight is an error naming it.
 */
export function modelFromSpec(spec: ModelSpec, party: string): PartyModel {
  const out: PartyModel = { intercept: spec.intercept, features: {} };
  for (const [column, f] of Object.entries(spec.features ?? {})) {
    if (f.transform === 'onehot') {
      if (!f.weights || !Object.keys(f.weights).length)
        throw new FedError('CONFIG_ERR_INVALID', `${party}'s model gives no weights for "${column}": scoring without training needs them`);
      out.features[column] = { transform: 'onehot', weights: f.weights };
    } else {
      if (f.weight === undefined)
        throw new FedError('CONFIG_ERR_INVALID', `${party}'s model gives no weight for "${column}": scoring without training needs one`);
      out.features[column] = { transform: f.transform, weight: f.weight };
    }
  }
  return out;
}

/**
 * A party completes its model from its own table (training): every feature
 * the spec lists keeps its transform (and its categories, if it names them);
 * every other column of the table is added, numeric ones with the transform
 * inferTransform chooses, categorical ones one-hot over the categories this
 * party's own rows hold. Weights start at 0 (training learns them).
 * `columns` is the table's column order, which fixes the features' order.
 */
export function completeModel(table: PartyTable, columns: readonly string[], spec: ModelSpec | undefined, party: string): PartyModel {
  const listed = spec?.features ?? {};
  for (const column of Object.keys(listed))
    if (!columns.includes(column)) throw new FedError('CONFIG_ERR_INVALID', `${party}'s model names column "${column}", which ${table.file} does not have`);
  const out: PartyModel = { intercept: spec?.intercept ?? 0, features: {} };
  for (const column of columns) {
    const given = listed[column];
    const cells = table.categorical.get(column);
    if (given?.transform === 'onehot' || (!given && cells)) {
      const source = cells ?? Array.from(table.numeric.get(column) ?? [], String);
      const givenWeights = given?.transform === 'onehot' ? given.weights : undefined;
      const categories = givenWeights && Object.keys(givenWeights).length ? Object.keys(givenWeights) : [...new Set(source)].sort();
      out.features[column] = { transform: 'onehot', weights: Object.fromEntries(categories.map((c) => [c, givenWeights?.[c] ?? 0])) };
    } else if (given) {
      out.features[column] = { transform: given.transform, weight: given.weight ?? 0 };
    } else {
      const values = table.numeric.get(column);
      if (!values) throw new FedError('CONFIG_ERR_INVALID', `${table.file} has no column "${column}"`);
      out.features[column] = { transform: inferTransform(values), weight: 0 };
    }
  }
  if (!Object.keys(out.features).length) throw new FedError('CONFIG_ERR_INVALID', `${party} has no column to build a feature from`);
  return out;
}

/** A model's structure without its weights (columns, transforms, categories), to compare two parties' views of it. */
export function modelStructure(model: PartyModel): string[] {
  return Object.entries(model.features).map(([column, f]) =>
    f.transform === 'onehot' ? `${column}: onehot ${Object.keys(f.weights).join(' ')}` : `${column}: ${f.transform}`,
  );
}
