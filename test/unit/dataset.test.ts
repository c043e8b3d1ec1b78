import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeDataSet } from '@fedrisk/runner';
import { type FedError, parsePartyCsv, parseScenario, type Scenario } from '@fedrisk/shared';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/fixtures.ts';

const HEADER = 'ID,LIMIT,PAY,BILL,SEX,y';
const scenarioText = (extra = '') => `
name: csv-test
seed: 1
data:
  kind: csv
  file: data.csv
  id: ID
  label: y
  columns:
    bank: [LIMIT, PAY]
    other: [BILL, SEX]
  categorical: [SEX]
${extra}
parties:
  - { id: bank, role: bank }
  - { id: other, role: holder }
job: { recipient: bank, applicants: 2 }
model:
  bank: { intercept: -1, features: { LIMIT: { transform: log1p, weight: -0.2 }, PAY: { transform: z, weight: 0.5 } } }
  other: { features: { BILL: { transform: z, weight: 0.1 }, SEX: { transform: onehot, weights: { "1": 0.1, "2": -0.1 } } } }
`;

function setup(csv: string, extra = ''): { scenario: Scenario; file: string } {
  const dir = tempDir();
  writeFileSync(join(dir, 'data.csv'), csv);
  const file = join(dir, 'scenario.yaml');
  writeFileSync(file, scenarioText(extra));
  return { scenario: parseScenario(scenarioText(extra), file), file };
}

async function errorOf(p: Promise<unknown>): Promise<FedError> {
  try {
    await p;
  } catch (err) {
    return err as FedError;
  }
  throw new Error('expected an error');
}

describe('real data (kind csv)', () => {
  it('splits one file into per-party files that each party can load, labels only for the referee', async () => {
    const { scenario, file } = setup(`${HEADER}\n1,2.00E+05,0,100,1,0\n2,50000,2,-40,2,1\n3,80000,-1,0,2,0\n`);
    const ds = await makeDataSet(scenario, file);
    expect(ds.files.get('bank')?.()).toBe('business_id,LIMIT,PAY\n1,2.00E+05,0\n2,50000,2\n3,80000,-1\n');
    expect(ds.files.get('other')?.()).toBe('business_id,BILL,SEX\n1,100,1\n2,-40,2\n3,0,2\n');
    expect(ds.files.get('bank')?.()).not.toContain('y');
    expect(ds.refereeCsv()).toBe('business_id,default_next_12m\n1,0\n2,1\n3,0\n');
    const other = parsePartyCsv(ds.files.get('other')?.() as string, ds.schemas.get('other') as NonNullable<ReturnType<typeof ds.schemas.get>>, 'other.csv');
    expect(other.categorical.get('SEX')).toEqual(['1', '2', '2']);
    expect(Array.from(other.numeric.get('BILL') ?? [])).toEqual([100, -40, 0]);
  });

  it('a wrong column name fails naming the column', async () => {
    const { scenario, file } = setup(`ID,LIMIT,PAY,BILLS,SEX,y\n1,1,0,100,1,0\n`);
    const err = await errorOf(makeDataSet(scenario, file));
    expect(err.code).toBe('DATA_ERR_CSV');
    expect(err.message).toContain('no column "BILL" in the header');
  });

  it('a non-numeric value in a numeric column fails naming the column and the line', async () => {
    const { scenario, file } = setup(`${HEADER}\n1,1000,0,100,1,0\n2,lots,0,100,1,0\n3,1000,0,100,1,2\n`);
    const err = await errorOf(makeDataSet(scenario, file));
    expect(err.code).toBe('DATA_ERR_CSV');
    expect(err.message).toContain('line 3, column "LIMIT": "lots" is not a number');
    expect(err.message).toContain('line 4, column "y": "2" is not 0 or 1');
  });

  it('a missing value is refused, or its row left out and listed when the scenario says so', async () => {
    const csv = `${HEADER}\n1,1000,0,100,1,0\n2,nan,0,100,1,0\n3,1000,0,100,2,1\n`;
    const refused = setup(csv);
    expect((await errorOf(makeDataSet(refused.scenario, refused.file))).message).toContain('line 3, column "LIMIT": no value');
    const dropping = setup(csv, '  onMissing: drop-row');
    const ds = await makeDataSet(dropping.scenario, dropping.file);
    expect(ds.size).toBe(2);
    expect(ds.dropped).toEqual([{ line: 3, column: 'LIMIT' }]);
    expect(ds.members.get('bank')).toEqual(['1', '3']);
  });

  it('the scenario check names a party without columns and a column given twice', () => {
    const text = scenarioText()
      .replace('other: [BILL, SEX]', 'other: [BILL, PAY]')
      .replace('SEX: { transform: onehot, weights: { "1": 0.1, "2": -0.1 } }', 'PAY: { transform: z, weight: 1 }');
    expect(() => parseScenario(text, 'x.yaml')).toThrow(/column "PAY" is already given to bank/);
  });

  it("keeps quoted cells whole when it splits a file, and names the user's own file and line", async () => {
    const { scenario, file } = setup(`${HEADER}\n1,200000,0,"1,000",1,0\n2,50000,2,"say ""hi""",2,1\n`);
    const err = await errorOf(makeDataSet(scenario, file));
    // BILL is numeric: the quoted "1,000" is one cell (not two), and not a number
    expect(err.code).toBe('DATA_ERR_CSV');
    expect(err.message).toContain(`${file.replace('scenario.yaml', 'data.csv')}: 2 problem(s)`);
    expect(err.message).toContain('line 2, column "BILL": "1,000" is not a number');
    const ok = setup(`ID,LIMIT,PAY,BILL,SEX,y\n1,200000,0,5,"a,b",0\n2,50000,2,7,c,1\n`);
    const ds = await makeDataSet(ok.scenario, ok.file);
    // written back quoted, so the party reads the same cell
    expect(ds.files.get('other')?.()).toBe('business_id,BILL,SEX\n1,5,"a,b"\n2,7,c\n');
  });

  it("an empty file is refused naming the user's file", async () => {
    const { scenario, file } = setup('');
    const err = await errorOf(makeDataSet(scenario, file));
    expect(err.code).toBe('DATA_ERR_CSV');
    expect(err.message).toContain(`${file.replace('scenario.yaml', 'data.csv')} line 1: the file is empty`);
  });
});
