/**
 * The regulator's rules over one job's filings: a bank is judged on the
 * holders' reports even when its own filing is missing (or was refused), and
 * a filing that leaves out its purpose or the authorisations it presented is
 * itself a finding, never a way around the rules.
 */
import { assessFilings, type Filing, regulatorRulesSchema } from '@fedrisk/shared';
import { describe, expect, it } from 'vitest';

const rules = regulatorRulesSchema.parse({});
const answered = { applicants: 100, grants: 90, matched: 80, authorised: 70, unauthorised: 10, purpose: 'credit assessment' };
const filing = (participant: string, summary: Filing['summary']): Filing => ({
  job: 'job-1',
  participant,
  ok: true,
  head: { participant, seq: 1, hash: '0'.repeat(64), signature: '' },
  countersigned: true,
  summary,
  signature: '',
});
const tax = filing('tax', { role: 'tax', answered: { bank: answered } });
const bank = (change: Partial<Filing['summary']> = {}) =>
  filing('bank', {
    role: 'bank',
    purpose: 'credit assessment',
    applications: 100,
    asked: { tax: { applicants: 100, grants: 90 } },
    tokens: ['a'.repeat(32)],
    ...change,
  });
const flagsOf = (filings: Filing[]) => assessFilings('job-1', filings, rules, new Map(), 'bank').map((f) => `${f.participant} ${f.rule}`);

describe('the regulator', () => {
  it('finds nothing in a complete, consistent filing (the control)', () => {
    expect(flagsOf([bank(), filing('tax', { role: 'tax', answered: { bank: { ...answered, unauthorised: 0, authorised: 80 } } })])).toEqual([]);
  });

  it('judges a bank without a valid filing on the holders reports: what it asked, and how much was unauthorised', () => {
    expect(flagsOf([tax])).toEqual(['bank inconsistent', 'bank unauthorised']);
  });

  it('a filing without the purpose, or without the authorisations the holders received, is a finding', () => {
    const ok = { ...answered, unauthorised: 0, authorised: 80 };
    const holder = filing('tax', { role: 'tax', answered: { bank: ok } });
    expect(flagsOf([bank({ purpose: undefined }), holder])).toContain('bank filing');
    expect(flagsOf([bank({ tokens: undefined }), holder])).toContain('bank filing');
  });
});
