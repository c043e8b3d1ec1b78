/**
 * The split logistic-regression model: each party turns its own columns into
 * standardised features and holds the weights for them. A party's partial
 * logit is the dot product over its features; the joint logit is the sum of
 * all partials (the intercept rides with one party's partial).
 */
import { z } from 'zod';
import { type PartyTable, rowIndexOf } from '../data/table.ts';
import { FedError } from '../util/errors.ts';

const featureWeightSchema = z.discriminatedUnion('transform', [
  z.object({ transform: z.literal('z'), weight: z.number().finite() }).strict(),
  z.object({ transform: z.literal('log1p'), weight: z.number().finite() }).strict(),
  z.object({ transform: z.literal('onehot'), weights: z.record(z.string(), z.number().finite()) }).strict(),
]);
type FeatureWeight = z.infer<typeof featureWeightSchema>;

export const partyModelSchema = z
  .object({
    intercept: z.number().finite().default(0),
    features: z.record(z.string(), featureWeightSchema),
  })
  .strict();
export type PartyModel = z.infer<typeof partyModelSchema>;

/** One expanded, standardised feature: a column, or one category of a column. */
export interface EncodedFeature {
  name: string;
  column: string;
  category?: string;
  mean: number;
  std: number;
  values: Float64Array;
}

function standardise(raw: Float64Array): { mean: number; std: number; values: Float64Array } {
  const n = raw.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += raw[i] as number;
  mean = n ? mean / n : 0;
  let v = 0;
  for (let i = 0; i < n; i++) v += ((raw[i] as number) - mean) ** 2;
  const std = n > 1 ? Math.sqrt(v / n) : 0;
  const scale = std > 1e-12 ? std : 1;
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = ((raw[i] as number) - mean) / scale;
  return { mean, std: scale, values };
}

type FeatureTransform = FeatureWeight['transform'];

/** Standardises one column with a transform (mean and spread from this party's own rows only). */
function encodeColumn(table: PartyTable, column: string, transform: FeatureTransform, categories?: readonly string[]): EncodedFeature[] {
  if (transform === 'onehot') {
    const cells = table.categorical.get(column) ?? (table.numeric.has(column) ? Array.from(table.numeric.get(column) as Float64Array, String) : undefined);
    if (!cells) throw new FedError('CONFIG_ERR_INVALID', `model names column "${column}", which ${table.file} does not have`);
    const cats = categories ?? [...new Set(cells)].sort();
    return cats.map((category) => {
      const raw = new Float64Array(cells.length);
      for (let i = 0; i < cells.length; i++) raw[i] = cells[i] === category ? 1 : 0;
      return { name: `${column}=${category}`, column, category, ...standardise(raw) };
    });
  }
  const col = table.numeric.get(column);
  if (!col) {
    const hint = table.categorical.has(column) ? ' as a number (it is categorical: use transform onehot)' : '';
    throw new FedError('CONFIG_ERR_INVALID', `model names column "${column}"${hint}, which ${table.file} does not have${hint ? '' : ' as a numeric column'}`);
  }
  const raw = new Float64Array(col.length);
  for (let i = 0; i < col.length; i++) {
    const x = col[i] as number;
    if (transform === 'log1p') {
      if (x < 0) throw new FedError('CONFIG_ERR_INVALID', `transform log1p needs non-negative values; column "${column}" has ${x}`);
      raw[i] = Math.log1p(x);
    } else raw[i] = x;
  }
  return [{ name: column, column, ...standardise(raw) }];
}

/** Every expanded feature the model uses, with the weight that goes with it, in the table's row order. */
function modelFeatures(table: PartyTable, model: PartyModel): { feature: EncodedFeature; weight: number }[] {
  const out: { feature: EncodedFeature; weight: number }[] = [];
  for (const [column, fw] of Object.entries(model.features)) {
    if (fw.transform === 'onehot') {
      for (const f of encodeColumn(table, column, 'onehot', Object.keys(fw.weights)))
        out.push({ feature: f, weight: fw.weights[f.category as string] as number });
    } else {
      for (const f of encodeColumn(table, column, fw.transform)) out.push({ feature: f, weight: fw.weight });
    }
  }
  return out;
}

/** The model's features for the given ids in their order, 0 (the party's mean) where it has no record. */
export function modelColumnsFor(
  table: PartyTable,
  model: PartyModel,
  ids: readonly string[],
): { features: EncodedFeature[]; weights: number[]; columns: Float64Array[] } {
  const rows = rowsOf(table, ids);
  const encoded = modelFeatures(table, model);
  return {
    features: encoded.map((e) => e.feature),
    weights: encoded.map((e) => e.weight),
    columns: encoded.map(({ feature }) => {
      const out = new Float64Array(ids.length);
      for (let k = 0; k < ids.length; k++) {
        const i = rows[k] as number;
        out[k] = i < 0 ? 0 : (feature.values[i] as number);
      }
      return out;
    }),
  };
}

/** The same model structure with new weights, in modelFeatures order (how a trained party writes its model). */
export function withWeights(model: PartyModel, features: readonly EncodedFeature[], weights: readonly number[], intercept: number): PartyModel {
  const out: PartyModel = { intercept, features: {} };
  features.forEach((f, j) => {
    const fw = model.features[f.column];
    const w = weights[j] as number;
    if (fw?.transform === 'onehot') {
      const cur = out.features[f.column];
      out.features[f.column] = { transform: 'onehot', weights: { ...(cur?.transform === 'onehot' ? cur.weights : {}), [f.category as string]: w } };
    } else if (fw) out.features[f.column] = { transform: fw.transform, weight: w };
  });
  return out;
}

/** A table's partial logits per model, computed once (a node checks its model at start-up, then scores). */
const PARTIALS = new WeakMap<PartyTable, WeakMap<PartyModel, Float64Array>>();

/**
 * Partial logits of every row of the table under the party's model, in the
 * table's row order. Missing businesses get the neutral value elsewhere:
 * every feature is standardised, so 0 is this party's population mean.
 */
export function partialLogits(table: PartyTable, model: PartyModel): Float64Array {
  const cached = PARTIALS.get(table)?.get(model);
  if (cached) return cached;
  const out = new Float64Array(table.ids.length).fill(model.intercept);
  for (const { feature, weight } of modelFeatures(table, model)) {
    const values = feature.values;
    for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) + weight * (values[i] as number);
  }
  const byModel = PARTIALS.get(table) ?? new WeakMap<PartyModel, Float64Array>();
  byModel.set(model, out);
  PARTIALS.set(table, byModel);
  return out;
}

const SLOT_ROWS = new WeakMap<PartyTable, WeakMap<readonly string[], Int32Array>>();

/**
 * The table's row for each of the ids (-1 where it has none), looked up once
 * per list: a holder counts its customers among the applicants when they
 * arrive and scores the same list later.
 */
export function rowsOf(table: PartyTable, ids: readonly string[]): Int32Array {
  const cached = SLOT_ROWS.get(table)?.get(ids);
  if (cached) return cached;
  const index = rowIndexOf(table);
  const rows = new Int32Array(ids.length);
  for (let k = 0; k < ids.length; k++) rows[k] = index.get(ids[k] as string) ?? -1;
  const byList = SLOT_ROWS.get(table) ?? new WeakMap<readonly string[], Int32Array>();
  byList.set(ids, rows);
  SLOT_ROWS.set(table, byList);
  return rows;
}

/** The rows of some slots of a list, from that list's own lookup (made once): -1 for a slot past its end. */
export function rowsOfSlots(table: PartyTable, list: readonly string[], slots: readonly number[]): Int32Array {
  const all = rowsOf(table, list);
  return Int32Array.from(slots, (slot) => all[slot] ?? -1);
}

/**
 * Tells rowsOf the rows of a list it would otherwise look up again: a copy of
 * a looked-up list with some ids blanked ('' has no row), whose rows the
 * caller derived from the original's.
 */
export function rememberRows(table: PartyTable, ids: readonly string[], rows: Int32Array): void {
  if (rows.length !== ids.length) throw new RangeError(`rememberRows: ${rows.length} rows for ${ids.length} ids`);
  const byList = SLOT_ROWS.get(table) ?? new WeakMap<readonly string[], Int32Array>();
  byList.set(ids, rows);
  SLOT_ROWS.set(table, byList);
}

/** Partial logits for the given ids in their order; `gaps` counts ids the party lacks. */
export function partialLogitsFor(table: PartyTable, model: PartyModel, ids: readonly string[]): { values: Float64Array; gaps: number } {
  const own = partialLogits(table, model);
  const rows = rowsOf(table, ids);
  const values = new Float64Array(ids.length);
  let gaps = 0;
  for (let k = 0; k < ids.length; k++) {
    const i = rows[k] as number;
    if (i < 0) {
      gaps++;
      values[k] = model.intercept; // neutral: the mean of every standardised feature is 0
    } else values[k] = own[i] as number;
  }
  return { values, gaps };
}
