/** The run's reads of each party's file: once per run, the same table for every stage; a failed read is tried again. */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { partyTables } from '@fedrisk/runner';
import { makeUscc, roleSchemaOf } from '@fedrisk/shared';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/fixtures.ts';

const csv = (n: number) =>
  [
    'business_id,annual_vat_paid,invoice_count,revenue_growth_yoy,tax_credit_grade,months_continuous_filing',
    ...Array.from({ length: n }, (_, i) => `${makeUscc('370600', i + 1)},1000,10,0.1,A,30`),
  ].join('\n');

describe("a run's party tables", () => {
  it('reads each file once and hands every stage the same table', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'tax.csv'), csv(3));
    const tableOf = partyTables(new Map([['tax', join(dir, 'tax.csv')]]), new Map([['tax', roleSchemaOf('tax')]]), 'csv');
    const first = await tableOf('tax');
    expect(first.ids).toHaveLength(3);
    // the file changes: a stage later in the run still gets the table the run read
    writeFileSync(join(dir, 'tax.csv'), csv(5));
    expect(await tableOf('tax')).toBe(first);
  });

  it('refuses a party it has no file for with a coded error, and reads a file again after a failed read', async () => {
    const dir = tempDir();
    const file = join(dir, 'tax.csv');
    const tableOf = partyTables(new Map([['tax', file]]), new Map([['tax', roleSchemaOf('tax')]]), 'csv');
    await expect(tableOf('bank')).rejects.toMatchObject({ code: 'RUN_ERR_PROCESS' });
    await expect(tableOf('tax')).rejects.toMatchObject({ code: 'DATA_ERR_FILE' });
    writeFileSync(file, csv(2));
    expect((await tableOf('tax')).ids).toHaveLength(2);
    rmSync(file);
  });
});
