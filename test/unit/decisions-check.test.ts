/**
 * The referee's check of the recipient's decisions: its counts are the
 * recipient's only when every applicant's decision, limit, policy reason and
 * grade equal the referee's own under the same policy. The recipient's side
 * goes through its real file (written and read back).
 */
import { join } from 'node:path';
import { checkRecipientDecisions } from '@fedrisk/runner';
import { type DecisionTable, decisionTable, type FedError, type PolicyDecision, readDecisionsCsv, setDecision, writeDecisionsCsv } from '@fedrisk/shared';
import { beforeAll, describe, expect, it } from 'vitest';
import { fileTempDir } from '../helpers/fixtures.ts';

const ids = ['b1', 'b2', 'b3', 'b4'];
const grades = ['A', 'C', 'E', 'E'];
const made: [number, PolicyDecision][] = [
  [700, { decision: 'approve', reason: 'score', limit: 30000, credit: true }],
  [600, { decision: 'approve', reason: 'score', limit: 12000, credit: false }],
  [565, { decision: 'review', reason: 'score', limit: 0, credit: false }],
  [500, { decision: 'reject', reason: 'score', limit: 0, credit: false }],
];

function table(change?: (row: number, d: PolicyDecision) => PolicyDecision, gradeOf = (i: number) => grades[i] as string): DecisionTable {
  const t = decisionTable(
    ids,
    ids.map((_, i) => gradeOf(i)),
  );
  made.forEach(([score, d], i) => {
    setDecision(t, i, score, change ? change(i, d) : d);
  });
  return t;
}

let dir = '';
beforeAll(() => {
  dir = fileTempDir('fedrisk-check-');
});
let files = 0;
async function recipient(t: DecisionTable) {
  const file = join(dir, `decisions-${files++}.csv`);
  writeDecisionsCsv(file, t);
  return readDecisionsCsv(file);
}
const SCORECARD_GRADES = ['A', 'B', 'C', 'D', 'E'];

describe("the referee's check of the recipient's decisions", () => {
  it('counts the recipient decisions, by grade, when every one is the referee own', async () => {
    const { counts, byGrade } = checkRecipientDecisions(await recipient(table()), ids, table(), SCORECARD_GRADES);
    expect(counts).toEqual({ approve: 2, reject: 1, review: 1 });
    expect(byGrade.A).toEqual({ applicants: 1, approved: 1, review: 0, rejected: 0 });
    expect(byGrade.E).toEqual({ applicants: 2, approved: 0, review: 1, rejected: 1 });
    expect(byGrade.B).toEqual({ applicants: 0, approved: 0, review: 0, rejected: 0 });
  });

  it.each([
    ['a decision', table((i, d) => (i === 2 ? { ...d, decision: 'reject' } : d)), 'b3'],
    ['a limit', table((i, d) => (i === 1 ? { ...d, limit: 13000 } : d)), 'b2'],
    ['a policy reason', table((i, d) => (i === 3 ? { ...d, reason: 'no-limit' } : d)), 'b4'],
    ['a grade', table(undefined, (i) => (i === 0 ? 'B' : (grades[i] as string))), 'b1'],
  ])('refuses the counts when the recipient changed %s, naming the business', async (_what, changed, business) => {
    const own = await recipient(changed);
    const check = () => checkRecipientDecisions(own, ids, table(), SCORECARD_GRADES);
    expect(check).toThrow(expect.objectContaining({ code: 'RUN_ERR_DECISIONS' }) as FedError);
    expect(check).toThrow(new RegExp(`^business ${business}:`));
  });

  it('reads the same rows whether or not it is told the ids to expect (which only lets it keep the caller strings)', async () => {
    const file = join(dir, 'known.csv');
    writeDecisionsCsv(file, table());
    const plain = [...(await readDecisionsCsv(file)).values()];
    for (const known of [ids, [...ids].reverse(), ids.slice(0, 2), ['x', ...ids]]) expect([...(await readDecisionsCsv(file, known)).values()]).toEqual(plain);
  });

  it('refuses when an applicant has no decision from the recipient', async () => {
    const fewer = decisionTable(ids.slice(0, 3), grades.slice(0, 3));
    made.slice(0, 3).forEach(([score, d], i) => {
      setDecision(fewer, i, score, d);
    });
    const own = await recipient(fewer);
    expect(() => checkRecipientDecisions(own, ids, table(), SCORECARD_GRADES)).toThrow(/business b4: the recipient decided nothing/);
  });
});
