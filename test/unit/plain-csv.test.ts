import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createRng,
  csvRow,
  IdIndex,
  isDecimal,
  makeUscc,
  numberText,
  parseCsv,
  parseCsvGeneral,
  parsePartyCsv,
  parsePlainPartyCsv,
  parseStrict,
  plainDecimalBytes,
  readReasonValuesCsv,
  readScoreLogits,
  roleSchemaOf,
  scoresCsv,
  usccProblem,
  usccValid,
  writeCsvBlocks,
  writeReasonValuesCsv,
  writeScoresCsv,
} from '@fedrisk/shared';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/fixtures.ts';

const HEADER = 'business_id,annual_vat_paid,invoice_count,revenue_growth_yoy,tax_credit_grade,months_continuous_filing';
const A = makeUscc('370100', 1);
const B = makeUscc('370200', 2);
const schema = roleSchemaOf('tax');

/** The fast path either agrees with the strict loader or steps aside. */
function same(text: string): 'fast' | 'strict' {
  const plain = parsePlainPartyCsv(text, schema);
  // a pool of ids the caller holds only lets the loader keep the pool's strings: the same table, or the same refusal
  const pooled = parsePlainPartyCsv(text, schema, IdIndex.of(['x', B, A]));
  const columns = (t: typeof plain) => t && { ids: t.ids, numeric: t.numeric, categorical: t.categorical, rows: t.ids.map((id) => t.rowOf.get(id)) };
  expect(columns(pooled)).toEqual(columns(plain));
  let strict: unknown;
  try {
    strict = parseStrict(text, schema, 'tax.csv');
  } catch (err) {
    expect(plain, `fast path accepted what the strict loader refuses: ${(err as Error).message}`).toBeUndefined();
    expect(() => parsePartyCsv(text, schema, 'tax.csv')).toThrow((err as Error).message);
    return 'strict';
  }
  if (!plain) return 'strict';
  const { rowOf, ...rest } = plain;
  expect({ file: 'tax.csv', ...rest }).toEqual(strict);
  expect(plain.ids.map((id) => rowOf.get(id))).toEqual(plain.ids.map((_, i) => i));
  expect(rowOf.size).toBe(plain.ids.length);
  return 'fast';
}

describe('IdIndex', () => {
  it('finds every id at its row, refuses a repeat and misses what is absent', () => {
    const ids = Array.from({ length: 5000 }, (_, i) => makeUscc('370100', i * 7));
    const index = new IdIndex();
    for (const id of ids) expect(index.add(id)).toBe(true);
    expect(index.add(ids[42] as string)).toBe(false);
    expect(ids.every((id, i) => index.get(id) === i)).toBe(true);
    expect(index.has(makeUscc('370100', 1))).toBe(false);
    // a row the caller expects is checked first; a wrong or absent one still finds the id, or nothing
    expect(ids.every((id, i) => index.get(id, i) === i && index.get(id, (i + 1) % 5000) === i && index.get(id, -1) === i)).toBe(true);
    expect(index.get(makeUscc('370100', 1), 3)).toBeUndefined();
    expect(index.size).toBe(5000);
  });
});

describe('the plain-file fast path of the party loader', () => {
  it('reads plain files as the strict loader does', () => {
    expect(same(`${HEADER}\n${A},1200.5,30,0.1,A,24\n${B},0,0,-0.2,M,0\n`)).toBe('fast');
    expect(same(`\ufeff${HEADER}\n\n${A}, 1e3 ,+3,.5,B,1\n\n${B},0.,0,-0.2,M,0`)).toBe('fast');
    // columns in another order
    expect(same(`tax_credit_grade,business_id,annual_vat_paid,invoice_count,revenue_growth_yoy,months_continuous_filing\nC,${A},1,2,0.1,3\n`)).toBe('fast');
  });

  it('steps aside for quotes, carriage returns and every kind of problem', () => {
    const bad = [
      `${HEADER}\r\n${A},1,2,0.1,A,3\r\n`,
      `${HEADER}\n"${A}",1,2,0.1,A,3\n`,
      `${HEADER}\n${A},1,2,0.1,A\n`,
      `${HEADER}\n${A},1,2,0.1,A,3,4\n`,
      `${HEADER}\n${A},1,2,0.1,A,3\n${A},1,2,0.1,A,3\n`,
      `${HEADER}\n${A.slice(0, 17)}X,1,2,0.1,A,3\n`,
      `${HEADER}\n${A},0x10,2,0.1,A,3\n`,
      `${HEADER}\n${A},1,2.5,0.1,A,3\n`,
      `${HEADER}\n${A},1,2,0.1,Z,3\n`,
      `${HEADER}\n${A},-1,2,0.1,A,3\n`,
      `${HEADER}\n${A},1e16,2,0.1,A,3\n`,
      `${HEADER}\n${A},Infinity,2,0.1,A,3\n`,
      `${HEADER}\n${A},,2,0.1,A,3\n`,
      `${HEADER},extra\n${A},1,2,0.1,A,3,4\n`,
      `business_id,annual_vat_paid\n${A},1\n`,
      '',
    ];
    for (const text of bad) expect(same(text), JSON.stringify(text)).toBe('strict');
  });

  it('checks numbers and codes exactly as the strict loader', () => {
    const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
    for (const s of ['1', '-1', '+1.', '.5', '1.5e-3', '1E+9', '', '.', '-', 'e5', '1e', '1.2.3', '١', '1 ', '0x1', '--1', '1e+'])
      expect(isDecimal(s), s).toBe(DECIMAL.test(s));
    for (const s of ['1', '-0', '0.1', '-12.5', '+7', '3.', '.25', '123456789012345', '1234567890123456', '0.1234', '99999.99999', '1e3', ' 1', ''])
      expect(
        Object.is(plainDecimalBytes(Buffer.from(`,${s},`), 1, s.length + 1), Number(s)) ||
          Number.isNaN(plainDecimalBytes(Buffer.from(`,${s},`), 1, s.length + 1)),
        s,
      ).toBe(true);
    for (let k = 0; k < 2000; k++) {
      const s = `${(Math.random() * 1e6).toFixed(k % 9)}`;
      expect(plainDecimalBytes(Buffer.from(s), 0, s.length), s).toBe(Number(s));
    }
    for (const code of [A, B, A.toLowerCase(), `${A.slice(0, 17)}0`, `${A.slice(0, 3)}A${A.slice(4)}`, `${A}0`, 'Ⅰ'.repeat(18)])
      expect(usccValid(code), code).toBe(usccProblem(code) === undefined);
  });
});

describe('numberText', () => {
  it('gives String(x) for every kind of number', () => {
    const rng = createRng(11);
    const special = [0, -0, 1, -1, 0.1, 1 / 3, 1e21, 1e-7, 123456789012345680000, 5e-324, Number.MAX_VALUE, Number.NaN, Infinity, -Infinity];
    const random = Array.from({ length: 5000 }, () => (rng.next() - 0.5) * 10 ** rng.int(-12, 25));
    for (const x of [...special, ...random]) expect(numberText(x)).toBe(String(x));
  });
});

describe('scores files', () => {
  it('are written a block at a time to the same bytes as in one piece, owner-only, and read back by the fast path', async () => {
    const dir = tempDir('fedrisk-scores-');
    // the recipient's scores as its node holds them: columns in slot order
    const table = (n: number) => ({
      ids: Array.from({ length: n }, (_, i) => makeUscc('370100', i)),
      logits: Float64Array.from({ length: n }, (_, i) => i / 7 - 3),
      pds: new Float64Array(n).fill(0.01),
      scores: new Float64Array(n).fill(600.125),
      grades: new Array<string>(n).fill('B'),
    });
    // a file that is already there, longer and readable by others, is replaced whole and made owner-only
    writeFileSync(join(dir, 's3.csv'), 'x'.repeat(100_000), { mode: 0o644 });
    for (const n of [45_001, 3, 0]) {
      const file = join(dir, `s${n}.csv`);
      writeScoresCsv(file, table(n));
      expect(readFileSync(file, 'utf8')).toBe(scoresCsv(table(n)));
      expect(statSync(file).mode & 0o777).toBe(0o600);
    }
    expect(readFileSync(join(dir, 's3.csv'), 'utf8').split('\n')).toEqual([
      'business_id,logit,pd,score,grade',
      ...[0, 1, 2].map((i) => `${makeUscc('370100', i)},${i / 7 - 3},0.01,600.13,B`),
      '',
    ]);
    // columns that do not line up with the ids are refused, not written as a shifted file
    expect(() => writeScoresCsv(join(dir, 'short.csv'), { ...table(3), pds: new Float64Array(2) })).toThrow(/3 ids but columns of 3, 2, 3, 3/);
    const back = await readScoreLogits(join(dir, 's45001.csv'));
    expect(back.index.ids.length).toBe(45_001);
    expect(back.logits[12_345]).toBe(12_345 / 7 - 3);
    // the ids the caller expects only let the reader keep the caller's strings: in order, shuffled or too few, the same columns
    const ids = table(45_001).ids;
    for (const known of [ids, [...ids].reverse(), ids.slice(0, 100), ['x', ...ids]]) {
      const withKnown = await readScoreLogits(join(dir, 's45001.csv'), known);
      expect(withKnown.index.ids).toEqual(back.index.ids);
      expect(withKnown.logits).toEqual(back.logits);
      expect(withKnown.grades).toEqual(back.grades);
    }
  });
});

describe('reason-values files', () => {
  it('are written through one reused buffer to the same bytes as in one piece, owner-only even over an existing file, and read back', async () => {
    const dir = tempDir('fedrisk-values-');
    // 20,001 rows of 3-byte characters (about 2.4 MB, every length from 20 to 30 characters) fill the 1 MiB
    // buffer twice before row 15,000, whose value is longer than the buffer and is written alone; a value with a
    // comma and a quote goes through csvRow's quoting
    const values = Array.from({ length: 20_001 }, (_, i) => ({
      id: makeUscc('370100', i),
      code: 'BANK_INFLOW_LOW',
      column: 'avg_monthly_inflow',
      value: i === 15_000 ? '中'.repeat(400_000) : i % 97 === 0 ? 'a, "b"' : `${'中'.repeat(20 + (i % 11))}${i / 8}`,
    }));
    for (const rows of [values, values.slice(0, 20_000), values.slice(0, 1), []]) {
      const file = join(dir, `v${rows.length}.csv`);
      writeFileSync(file, 'x'.repeat(50_000), { mode: 0o644 });
      writeReasonValuesCsv(file, rows);
      const whole = `${['business_id,code,column,value', ...rows.map((r) => csvRow([r.id, r.code, r.column, r.value]))].join('\n')}\n`;
      expect(readFileSync(file, 'utf8')).toBe(whole);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(await readReasonValuesCsv(file)).toEqual(rows);
    }
  });
});

describe('the CSV block writer', () => {
  it("keeps a line whose 3-byte characters end exactly at the buffer's last byte, and its line break", () => {
    const dir = tempDir('fedrisk-blocks-');
    // header "h" (2 bytes), 104,853 lines of 10 bytes and one of 14 leave exactly 30 bytes of the 1 MiB buffer:
    // the next line, ten 3-byte characters, fills them, and its line break must go into the next block
    const lines = [...Array.from({ length: 104_853 }, (_, i) => String(i % 1e9).padStart(9, '0')), 'x'.repeat(13), '中'.repeat(10), 'after'];
    const file = join(dir, 'edge.csv');
    writeCsvBlocks(file, ['h'], lines.length, (i) => lines[i] as string);
    expect(readFileSync(file, 'utf8')).toBe(`h\n${lines.join('\n')}\n`);
  });
});

describe('parseCsv on text with no quote and no carriage return', () => {
  it('gives the rows and lines csv-parse gives: blank lines, empty cells, a BOM, no final line break', () => {
    const rng = createRng(7);
    const alphabet = ['a', 'b', '1', ' ', ',', ',', '\n', '\n', 'é', '中', '\t', ';'];
    for (let t = 0; t < 2000; t++) {
      let text = rng.next() < 0.2 ? '\uFEFF' : '';
      const n = rng.int(0, 60);
      for (let i = 0; i < n; i++) text += alphabet[rng.int(0, alphabet.length - 1)];
      expect(parseCsv(text, 'f.csv'), JSON.stringify(text)).toEqual(parseCsvGeneral(text, 'f.csv'));
    }
  });

  it('leaves a quote or a carriage return to csv-parse, which reads quoted cells and names a broken one', () => {
    expect(parseCsv('id,note\n1,"a, ""b""\nc"\r\n2,x\n', 'f.csv')).toEqual([
      { line: 1, cells: ['id', 'note'] },
      { line: 2, cells: ['1', 'a, "b"\nc'] },
      { line: 4, cells: ['2', 'x'] },
    ]);
    expect(() => parseCsv('id\n"open\n', 'f.csv')).toThrow(/f\.csv line \d+: a quoted cell is never closed/);
  });
});
