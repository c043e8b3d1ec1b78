import { type FedError, makeUscc, parsePartyCsv, roleSchemaOf } from '@fedrisk/shared';
import { describe, expect, it } from 'vitest';

const A = makeUscc('370100', 1);
const B = makeUscc('370200', 2);
const HEADER = 'business_id,annual_vat_paid,invoice_count,revenue_growth_yoy,tax_credit_grade,months_continuous_filing';

function problemsOf(text: string): string {
  try {
    parsePartyCsv(text, roleSchemaOf('tax'), '/data/tax.csv');
  } catch (err) {
    expect((err as FedError).code).toBe('DATA_ERR_CSV');
    return (err as FedError).message;
  }
  throw new Error('expected the CSV to be refused');
}

describe('party CSV loader', () => {
  it('loads a valid file column by column', () => {
    const t = parsePartyCsv(`${HEADER}\n${A},1200.5,30,0.1,A,24\n${B},0,0,-0.2,M,0\n`, roleSchemaOf('tax'), 'tax.csv');
    expect(t.ids).toEqual([A, B]);
    expect(Array.from(t.numeric.get('annual_vat_paid') ?? [])).toEqual([1200.5, 0]);
    expect(t.categorical.get('tax_credit_grade')).toEqual(['A', 'M']);
  });

  it('names the file, the line and the column of a bad cell', () => {
    const msg = problemsOf(`${HEADER}\n${A},1200,30,0.1,A,24\n${B},12k,30,0.1,A,24\n`);
    expect(msg).toContain('tax.csv line 3, column "annual_vat_paid": "12k" is not a number');
  });

  it('reports every problem, not just the first', () => {
    const msg = problemsOf(`${HEADER}\n${A},1,2.5,0.1,Z,24\nNOT-AN-ID,1,2,0.1,A,24\n${A},1,2,0.1,A\n`);
    expect(msg).toContain('line 2, column "invoice_count": "2.5" is not a whole number');
    expect(msg).toContain('line 2, column "tax_credit_grade": "Z" is not one of A, B, C, D, M');
    expect(msg).toContain('line 3, column "business_id": "NOT-AN-ID" is not a unified social credit code');
    expect(msg).toContain('line 4: has 5 cells, the header has 6');
  });

  it('refuses duplicate ids, out-of-range values and wrong headers', () => {
    expect(problemsOf(`${HEADER}\n${A},1,2,0.1,A,24\n${A},1,2,0.1,A,24\n`)).toContain(`"${A}" already appears on line 2`);
    expect(problemsOf(`${HEADER}\n${A},-5,2,0.1,A,24\n`)).toContain('-5 is below the minimum 0');
    expect(problemsOf(`business_id,annual_vat_paid\n${A},1\n`)).toContain('missing column "invoice_count"');
    expect(problemsOf(`${HEADER},loan_balance\n${A},1,2,0.1,A,24,5\n`)).toContain('unknown column "loan_balance"');
    expect(problemsOf('')).toContain('the file is empty');
  });

  it('refuses numbers a CKKS slot or a standardisation cannot hold, and notations that are not decimal, naming line and column', () => {
    for (const [cell, why] of [
      ['1e308', 'is out of range'],
      ['1e200', 'is out of range'],
      ['-2e15', 'is out of range'],
      ['0x1F', 'is not a number'],
      ['NaN', 'is not a number'],
      ['Infinity', 'is not a number'],
      ['1,5', 'cells'],
    ] as const) {
      const msg = problemsOf(`${HEADER}\n${A},1200,30,0.1,A,24\n${B},"${cell}",30,0.1,A,24\n`);
      expect(msg, cell).toContain('tax.csv line 3');
      if (why !== 'cells') expect(msg, cell).toContain(`column "annual_vat_paid": "${cell}" ${why}`);
    }
    // and a plain large amount is fine
    expect(() => parsePartyCsv(`${HEADER}\n${A},999999999999,30,0.1,A,24\n`, roleSchemaOf('tax'), 'tax.csv')).not.toThrow();
  });

  it('reads quoted cells as RFC 4180 says: commas, doubled quotes and line breaks inside quotes', () => {
    const t = parsePartyCsv(`${HEADER}\r\n"${A}","12",30,0.1,"A",24\n`, roleSchemaOf('tax'), 'tax.csv');
    expect(Array.from(t.numeric.get('annual_vat_paid') ?? [])).toEqual([12]);
    expect(t.categorical.get('tax_credit_grade')).toEqual(['A']);
    // a quoted line break stays in its cell (and "A\nB" is no grade); the next row's line number accounts for it
    const msg = problemsOf(`${HEADER}\n${A},1200,30,0.1,"A\nB",24\n${B},12k,30,0.1,A,24\n`);
    expect(msg).toContain('tax.csv line 2, column "tax_credit_grade": "A\nB" is not one of A, B, C, D, M');
    expect(msg).toContain('tax.csv line 4, column "annual_vat_paid": "12k" is not a number');
    // an unterminated quote is named by line
    try {
      parsePartyCsv(`${HEADER}\n${A},"1200,30,0.1,A,24\n`, roleSchemaOf('tax'), 'tax.csv');
      expect.unreachable();
    } catch (err) {
      expect((err as FedError).message).toMatch(/^tax.csv line \d+: a quoted cell is never closed$/);
    }
  });
});
