import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generatePopulation, partyCsv } from '@fedrisk/runner';
import {
  type FedError,
  loadPartyData,
  loadPartyStore,
  makeUscc,
  partialLogitsFor,
  roleSchemaOf,
  rowIndexOf,
  type TableSchema,
  writePartyStore,
} from '@fedrisk/shared';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'fedrisk-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const parties = [{ id: 'tax', role: 'tax' as const, coverage: 0.9 }];
const pop = generatePopulation({ seed: 3, businesses: 3000, defaultRate: 0.03, labelNoise: 0.5, parties });
const schema = roleSchemaOf('tax');
const csv = join(dir, 'tax.csv');
writeFileSync(csv, partyCsv(pop, 'tax', 'tax'));

/** A store written from a hand-made CSV (DuckDB types the columns from the schema). */
async function storeOf(text: string, format: 'parquet' | 'duckdb', name: string, as: TableSchema = schema): Promise<string> {
  const src = join(dir, `${name}.csv`);
  writeFileSync(src, text);
  const out = join(dir, `${name}.${format}`);
  await writePartyStore(src, out, as, format);
  return out;
}

const HEADER = 'business_id,annual_vat_paid,invoice_count,revenue_growth_yoy,tax_credit_grade,months_continuous_filing';
const A = makeUscc('370100', 1);
const B = makeUscc('370200', 2);

describe.each(['parquet', 'duckdb'] as const)('a party store in %s', (format) => {
  it('holds the same table as the CSV it was written from, readable by its owner only', async () => {
    const out = join(dir, `tax.${format}`);
    await writePartyStore(csv, out, schema, format);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const fromCsv = await loadPartyData(csv, schema, 'csv');
    const fromStore = await loadPartyData(out, schema, format);
    expect(fromStore.ids).toEqual(fromCsv.ids);
    expect(fromStore.numeric).toEqual(fromCsv.numeric);
    expect(fromStore.categorical).toEqual(fromCsv.categorical);
    expect(rowIndexOf(fromStore).get(fromCsv.ids[7] as string)).toBe(7);
    const model = { intercept: 0, features: { annual_vat_paid: { transform: 'log1p' as const, weight: 0.3 } } };
    expect(partialLogitsFor(fromStore, model, fromCsv.ids).values).toEqual(partialLogitsFor(fromCsv, model, fromCsv.ids).values);
  });

  it('names the file, row and column of a bad value, a duplicate or a missing one', async () => {
    const bad = await storeOf(`${HEADER}\n${A},1,2.5,0.1,A,3\n${B},-4,2,0.1,Z,3\n${A},1,2,0.1,A,\n`, format, `bad-${format}`);
    const err = (await loadPartyStore(bad, schema, format).catch((e: unknown) => e)) as FedError;
    expect(err.code).toBe('DATA_ERR_STORE');
    expect(err.message).toContain(`bad-${format}.${format}`);
    expect(err.message).toContain('row 1, column "invoice_count": 2.5 is not a whole number');
    expect(err.message).toContain('row 2, column "annual_vat_paid": -4 is below the minimum 0');
    expect(err.message).toContain('row 2, column "tax_credit_grade": "Z" is not one of A, B, C, D, M');
    expect(err.message).toContain(`row 3, column "business_id": "${A}" already appears on row 1`);
    expect(err.message).toContain('row 3, column "months_continuous_filing": no value');
  });

  it('refuses a store without the columns its schema asks for, or of the wrong type', async () => {
    const other = await storeOf(`business_id,annual_vat_paid\n${A},1\n`, format, `cols-${format}`, {
      columns: [{ name: 'annual_vat_paid', kind: 'number', description: '' }],
      idFormat: 'uscc',
    });
    const err = (await loadPartyStore(other, roleSchemaOf('bank'), format).catch((e: unknown) => e)) as FedError;
    expect(err.code).toBe('DATA_ERR_STORE');
    expect(err.message).toContain('missing column "loan_balance"');
    expect(err.message).toContain('unknown column "annual_vat_paid"');
    // a category held as a number
    const typed = await storeOf(`business_id,tax_credit_grade\n${A},1\n`, format, `type-${format}`, {
      columns: [{ name: 'tax_credit_grade', kind: 'number', description: '' }],
      idFormat: 'uscc',
    });
    const wrong = (await loadPartyStore(typed, { columns: schema.columns.filter((c) => c.name === 'tax_credit_grade'), idFormat: 'uscc' }, format).catch(
      (e: unknown) => e,
    )) as FedError;
    expect(wrong.message).toContain('column "tax_credit_grade" must be text (VARCHAR), is DOUBLE');
  });
});

describe('party stores', () => {
  it('a file that is not a store, or is missing, is a clear error', async () => {
    const err = (await loadPartyStore(csv, schema, 'parquet').catch((e: unknown) => e)) as FedError;
    expect(err.code).toBe('DATA_ERR_STORE');
    expect(err.message).toContain('cannot read it as a Parquet file');
    expect(((await loadPartyStore(join(dir, 'none.duckdb'), schema, 'duckdb').catch((e: unknown) => e)) as FedError).code).toBe('DATA_ERR_FILE');
  });
});
