/**
 * Rejection reasons without sockets: the code table covers every column,
 * pricing matches the model, the merge ranks and fills as documented, and
 * the sealed payloads hold codes and bands only (a value is refused).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  bandOf,
  bandText,
  codeListOf,
  type DecisionRow,
  type DecisionTable,
  decisionTable,
  decodeReasonReply,
  decodeReasonRequest,
  encodeReasonReply,
  encodeReasonRequest,
  factorsFor,
  GENERIC_REASONS,
  isReasonCode,
  makeUscc,
  mergeReasons,
  NO_COST_BAND,
  type PartyModel,
  parsePartyCsv,
  partialLogitsFor,
  REASON_CODES,
  type ReasonCandidate,
  ROLE_COLUMNS,
  readDecisionsCsv,
  reasonCodeFor,
  reasonText,
  roleSchemaOf,
  setDecision,
  writeDecisionsCsv,
} from '@fedrisk/shared';
import { describe, expect, it } from 'vitest';
import { codeOf, tempDir } from '../helpers/fixtures.ts';

const ids = [1, 2, 3, 4].map((i) => makeUscc('370600', i));
const taxCsv = [
  'business_id,annual_vat_paid,invoice_count,revenue_growth_yoy,tax_credit_grade,months_continuous_filing',
  `${ids[0]},1000,10,0.1,A,30`,
  `${ids[1]},50000,200,-0.4,D,3`,
  `${ids[2]},8000,60,0.2,B,20`,
].join('\n');
const table = parsePartyCsv(taxCsv, roleSchemaOf('tax'), 'tax.csv');
const model: PartyModel = {
  intercept: 0,
  features: {
    revenue_growth_yoy: { transform: 'z', weight: -0.5 },
    tax_credit_grade: { transform: 'onehot', weights: { A: -0.2, B: 0, D: 0.4 } },
    months_continuous_filing: { transform: 'z', weight: -0.3 },
  },
};

describe('the reason code table', () => {
  it('has a code for every column of every role, in each direction it can take, with Chinese and English text', () => {
    const codes = new Set<string>();
    for (const [role, columns] of Object.entries(ROLE_COLUMNS)) {
      for (const c of columns) {
        const entry = REASON_CODES[role as keyof typeof REASON_CODES][c.name];
        expect(entry, `${role}.${c.name}`).toBeDefined();
        for (const text of Object.values(entry ?? {})) {
          expect(text.zh.length).toBeGreaterThan(0);
          expect(text.en.length).toBeGreaterThan(0);
          expect(codes.has(text.code), `${text.code} twice`).toBe(false);
          codes.add(text.code);
        }
        expect(Object.keys(entry ?? {})).toEqual(c.kind === 'category' ? ['category'] : ['high', 'low']);
      }
    }
    expect(reasonCodeFor('tax', 'tax_credit_grade', 'category')).toBe('TAX_GRADE_LOW');
    expect(reasonText('TAX_GRADE_LOW', 'tax_credit_grade')).toEqual({ zh: '纳税信用等级偏低', en: 'low tax credit grade' });
  });

  it('falls back to a generic code naming the column (real data) and knows no other code', () => {
    expect(reasonCodeFor('holder', 'sales_q3', 'low')).toBe(GENERIC_REASONS.low.code);
    expect(reasonCodeFor('bank', 'not_a_bank_column', 'high')).toBe('FEATURE_HIGH');
    expect(reasonText('FEATURE_LOW', 'sales_q3').en).toBe('sales_q3 below the average');
    expect(isReasonCode('TAX_GRADE_LOW')).toBe(true);
    expect(isReasonCode('TAX_GRADE_IS_D')).toBe(false);
  });
});

describe('pricing a party’s columns', () => {
  it('adds up to the partial logit (one-hot categories per column), in points, and gives a missing business nothing', () => {
    const asked = [ids[1] as string, ids[3] as string];
    const factors = factorsFor(table, model, asked, 28.85);
    const [d, missing] = [factors(0), factors(1)];
    expect(missing).toEqual([]);
    const total = (d ?? []).reduce((s, f) => s + f.points, 0);
    expect(total).toBeCloseTo(28.85 * (partialLogitsFor(table, model, asked).values[0] as number), 9);
    expect(d?.map((f) => [f.column, f.direction])).toEqual([
      ['revenue_growth_yoy', 'low'],
      ['tax_credit_grade', 'category'],
      ['months_continuous_filing', 'low'],
    ]);
    expect(d?.every((f) => f.points > 0)).toBe(true);
    expect(codeListOf('tax', model).map((c) => c.code)).toEqual(['TAX_GROWTH_HIGH', 'TAX_GROWTH_LOW', 'TAX_GRADE_LOW', 'TAX_FILING_LONG', 'TAX_FILING_SHORT']);
  });

  it('bands points: [b x w, (b + 1) x w), none for no cost', () => {
    expect(bandOf(12.4, 5)).toBe(2);
    expect(bandText(2, 5)).toBe('10-15');
    expect(bandOf(-3, 5)).toBe(NO_COST_BAND);
    expect(bandOf(0, 5)).toBe(NO_COST_BAND);
    expect(bandText(bandOf(1e9, 5), 5)).toBe('1270+');
  });
});

describe('merging every party’s candidates', () => {
  const c = (party: string, code: string, band: number, points?: number): ReasonCandidate => ({
    party,
    code,
    column: code,
    direction: 'high',
    band,
    width: 5,
    ...(points === undefined ? {} : { points }),
  });

  it('ranks own exact points against the middle of the others’ bands', () => {
    const out = mergeReasons([c('bank', 'A', 2, 11), c('bank', 'B', 0, 4), c('tax', 'C', 2), c('tax', 'D', 0), c('guar', 'E', 3)], 3);
    expect(out.map((r) => r.code)).toEqual(['E', 'C', 'A']);
    expect(out.every((r) => !r.filled)).toBe(true);
  });

  it('fills up to the minimum from factors that cost nothing, marked, and is short only when there are no more factors', () => {
    const out = mergeReasons([c('tax', 'C', NO_COST_BAND), c('bank', 'A', 1, 6), c('bank', 'B', NO_COST_BAND, -2), c('bank', 'Z', NO_COST_BAND, -9)], 3);
    expect(out.map((r) => [r.code, r.filled])).toEqual([
      ['A', false],
      ['B', true],
      ['Z', true],
    ]);
    expect(mergeReasons([c('bank', 'A', 1, 6)], 3)).toHaveLength(1);
  });
});

describe('the sealed payloads', () => {
  const header = { k: 3, width: 5, codes: codeListOf('tax', model) };

  it('pads request and reply to the job’s slots: the size says nothing about how many were rejected', () => {
    expect(encodeReasonRequest([], 3, 100).length).toBe(encodeReasonRequest([1, 5, 9], 3, 100).length);
    const none = encodeReasonReply(header, [], 100);
    const some = encodeReasonReply(header, [{ slot: 5, items: [{ code: 2, band: 3 }] }], 100);
    expect(none.length).toBe(some.length);
    expect(decodeReasonRequest(encodeReasonRequest([1, 5, 9], 3, 100), 100, 'bank')).toEqual({ slots: Uint32Array.from([1, 5, 9]), want: 3 });
  });

  it('reads back codes and bands for the slots asked about, and refuses anything else', () => {
    const rows = [
      {
        slot: 5,
        items: [
          { code: 2, band: 3 },
          { code: 1, band: NO_COST_BAND },
        ],
      },
    ];
    const got = decodeReasonReply(encodeReasonReply(header, rows, 100), new Set([5, 9]), 3, 100, 'tax');
    expect(got.rows).toEqual(rows);
    expect(got.header.codes[2]?.code).toBe('TAX_GRADE_LOW');
    const refused = (bytes: Uint8Array, asked = new Set([5])) => codeOf(() => decodeReasonReply(bytes, asked, 3, 100, 'tax'));
    expect(refused(encodeReasonReply(header, rows, 100), new Set([9]))).toBe('JOB_ERR_REASONS');
    expect(refused(encodeReasonReply({ ...header, k: 4 }, rows, 100))).toBe('JOB_ERR_REASONS');
    expect(refused(encodeReasonReply(header, [{ slot: 5, items: [{ code: 9, band: 0 }] }], 100))).toBe('JOB_ERR_REASONS');
    // a value where only codes and bands may be: the header's schema is strict
    const head = JSON.stringify({ ...header, value: { [ids[1] as string]: 'D' } });
    const leaky = Buffer.alloc(4 + head.length + 4 + 100 * 10);
    leaky.writeUInt32LE(Buffer.byteLength(head), 0);
    leaky.write(head, 4);
    expect(refused(new Uint8Array(leaky))).toBe('JOB_ERR_REASONS');
    expect(codeOf(() => decodeReasonRequest(encodeReasonRequest([9, 5], 3, 100), 100, 'bank'))).toBe('JOB_ERR_REASONS');
    expect(codeOf(() => decodeReasonRequest(encodeReasonRequest([5], 3, 100), 99, 'bank'))).toBe('JOB_ERR_REASONS');
  });
});

/** The columns a recipient's node keeps, from rows as a reader sees them. */
function columnsOf(rows: readonly DecisionRow[]): DecisionTable {
  const t = decisionTable(
    rows.map((r) => r.id),
    rows.map((r) => r.grade),
  );
  rows.forEach((r, i) => {
    setDecision(t, i, r.score, { decision: r.decision, reason: r.policyReason, limit: r.limit, credit: r.credit });
    if (r.reasons.length) t.reasons.set(i, r.reasons);
  });
  return t;
}

describe('decisions.csv', () => {
  it('round-trips decisions with reasons as codes and bands, and refuses an unknown code', async () => {
    const dir = tempDir();
    const rows: DecisionRow[] = [
      { id: ids[0] as string, decision: 'approve', policyReason: 'score', grade: 'B', score: 671.25, limit: 300000, credit: true, reasons: [] },
      {
        id: ids[1] as string,
        decision: 'review',
        policyReason: 'score',
        grade: 'E',
        score: 565.5,
        limit: 0,
        credit: false,
        reasons: [
          { party: 'tax', code: 'FEATURE_LOW', column: 'odd/col;name', direction: 'low', band: 2, width: 5, filled: false },
          { party: 'bank', code: 'BANK_INFLOW_LOW', column: 'avg_monthly_inflow', direction: 'low', band: NO_COST_BAND, width: 0, filled: true },
        ],
      },
    ];
    writeDecisionsCsv(join(dir, 'decisions.csv'), columnsOf(rows));
    const back = await readDecisionsCsv(join(dir, 'decisions.csv'));
    expect([...back.values()]).toEqual(rows);
    expect(readFileSync(join(dir, 'decisions.csv'), 'utf8').split('\n').slice(0, 3)).toEqual([
      'business_id,decision,policy_reason,grade,score,limit,credit,reasons',
      `${ids[0]},approve,score,B,671.25,300000,1,`,
      `${ids[1]},review,score,E,565.50,0,0,tax/FEATURE_LOW/odd%2Fcol%3Bname/low/10-15;bank/BANK_INFLOW_LOW/avg_monthly_inflow/low/none`,
    ]);
    writeDecisionsCsv(
      join(dir, 'bad.csv'),
      columnsOf([{ ...(rows[1] as DecisionRow), reasons: [{ ...(rows[1]?.reasons[0] as DecisionRow['reasons'][0]), code: 'MADE_UP' }] }]),
    );
    await expect(readDecisionsCsv(join(dir, 'bad.csv'))).rejects.toMatchObject({ code: 'JOB_ERR_MISMATCH' });
  });

  it('looks a decision up by id, and refuses a repeated id, an unknown decision or a missing header, naming the line', async () => {
    const dir = tempDir();
    const row: DecisionRow = { id: ids[0] as string, decision: 'reject', policyReason: 'grade', grade: 'E', score: 540, limit: 0, credit: false, reasons: [] };
    writeDecisionsCsv(join(dir, 'one.csv'), columnsOf([row, { ...row, id: ids[1] as string, decision: 'approve', limit: 5000 }]));
    const back = await readDecisionsCsv(join(dir, 'one.csv'));
    expect(back.size).toBe(2);
    expect(back.get(ids[1] as string)).toMatchObject({ decision: 'approve', limit: 5000 });
    expect(back.get(ids[2] as string)).toBeUndefined();
    writeDecisionsCsv(join(dir, 'twice.csv'), columnsOf([row, row]));
    await expect(readDecisionsCsv(join(dir, 'twice.csv'))).rejects.toMatchObject({ code: 'JOB_ERR_MISMATCH', message: expect.stringContaining('line 3') });
    writeFileSync(join(dir, 'maybe.csv'), readFileSync(join(dir, 'one.csv'), 'utf8').replace(',reject,', ',maybe,'));
    await expect(readDecisionsCsv(join(dir, 'maybe.csv'))).rejects.toMatchObject({ code: 'JOB_ERR_MISMATCH', message: expect.stringContaining('line 2') });
    writeFileSync(join(dir, 'headless.csv'), readFileSync(join(dir, 'one.csv'), 'utf8').split('\n').slice(1).join('\n'));
    await expect(readDecisionsCsv(join(dir, 'headless.csv'))).rejects.toMatchObject({ code: 'DATA_ERR_CSV' });
    writeFileSync(join(dir, 'empty.csv'), '');
    await expect(readDecisionsCsv(join(dir, 'empty.csv'))).rejects.toMatchObject({ code: 'DATA_ERR_CSV' });
  });

  it('refuses to write decisions whose columns do not line up with the ids', () => {
    const t = columnsOf([{ id: ids[0] as string, decision: 'approve', policyReason: 'score', grade: 'B', score: 700, limit: 1000, credit: true, reasons: [] }]);
    const dir = tempDir();
    expect(codeOf(() => writeDecisionsCsv(join(dir, 'short.csv'), { ...t, limits: new Float64Array(0) }))).toBe('JOB_ERR_INTERNAL');
    expect(codeOf(() => writeDecisionsCsv(join(dir, 'long.csv'), { ...t, grades: ['B', 'C'] }))).toBe('JOB_ERR_INTERNAL');
  });
});
