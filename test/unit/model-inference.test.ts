/** A party completes its model from its own rows: the transform rule, its own categories, overrides, weights. */
import { completeModel, inferTransform, modelFromSpec, modelStructure, parsePartyCsv, type TableSchema } from '@fedrisk/shared';
import { describe, expect, it } from 'vitest';
import { codeOf } from '../helpers/fixtures.ts';

const schema: TableSchema = {
  idFormat: 'plain',
  columns: [
    { name: 'amount', kind: 'number', description: '' },
    { name: 'balance', kind: 'number', description: '' },
    { name: 'purpose', kind: 'category', description: '' },
    { name: 'flag', kind: 'number', description: '' },
  ],
};
// amount: a long right tail; balance: negatives; flag: 0/1; purpose: the categories this party happens to hold
const amounts = [1, 2, 2, 3, 3, 3, 4, 5, 8, 400];
const rows = amounts.map((a, i) => `r${i},${a},${i - 4},${['car', 'tv', 'car', 'repairs'][i % 4]},${i % 2}`);
const table = parsePartyCsv(['business_id,amount,balance,purpose,flag', ...rows].join('\n'), schema, 'own.csv');
const names = schema.columns.map((c) => c.name);

describe('inferring a transform', () => {
  it('takes log1p for a non-negative column with a long right tail, z otherwise', () => {
    expect(inferTransform(Float64Array.from(amounts))).toBe('log1p');
    expect(inferTransform(Float64Array.from([1, 2, 3, 4, 5, 6]))).toBe('z'); // no skew
    expect(inferTransform(Float64Array.from([-1, 0, 0, 0, 0, 900]))).toBe('z'); // a negative value
    expect(inferTransform(Float64Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 1]))).toBe('z'); // two values only
  });
});

describe('completing a model from its own table', () => {
  it('adds every column: numeric by the rule, categorical one-hot over the categories in its own rows, weights 0', () => {
    const m = completeModel(table, names, undefined, 'p');
    expect(modelStructure(m)).toEqual(['amount: log1p', 'balance: z', 'purpose: onehot car repairs tv', 'flag: z']);
    expect(m.intercept).toBe(0);
    expect(Object.values(m.features).every((f) => (f.transform === 'onehot' ? Object.values(f.weights).every((w) => w === 0) : f.weight === 0))).toBe(true);
  });

  it('keeps what the spec states for a column and infers the rest', () => {
    const m = completeModel(
      table,
      names,
      { intercept: -1, features: { amount: { transform: 'z' }, purpose: { transform: 'onehot', weights: { car: 0.5, tv: 0 } } } },
      'p',
    );
    expect(modelStructure(m)).toEqual(['amount: z', 'balance: z', 'purpose: onehot car tv', 'flag: z']);
    expect(m.features.purpose).toEqual({ transform: 'onehot', weights: { car: 0.5, tv: 0 } });
    expect(m.intercept).toBe(-1);
  });

  it('refuses a spec naming a column the party does not have', () => {
    expect(codeOf(() => completeModel(table, names, { intercept: 0, features: { amout: { transform: 'z' } } }, 'p'))).toBe('CONFIG_ERR_INVALID');
  });
});

describe('a model to score with, without training', () => {
  it('needs every weight', () => {
    expect(modelFromSpec({ intercept: 1, features: { amount: { transform: 'z', weight: 2 } } }, 'p')).toEqual({
      intercept: 1,
      features: { amount: { transform: 'z', weight: 2 } },
    });
    expect(codeOf(() => modelFromSpec({ intercept: 0, features: { amount: { transform: 'z' } } }, 'p'))).toBe('CONFIG_ERR_INVALID');
    expect(codeOf(() => modelFromSpec({ intercept: 0, features: { purpose: { transform: 'onehot' } } }, 'p'))).toBe('CONFIG_ERR_INVALID');
  });
});
