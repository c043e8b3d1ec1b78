/**
 * The regulator's rules over one job's filings: a bank is judged on the
 * holders' reports even when its own filing is missing (or was refused), and
 * a filing that leaves out its purpose or the authorisations it presented is
 * itself a finding, never a way around the rules.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRegulator } from '@fedrisk/runner';
import { assessFilings, createIdentity, FedError, type Filing, regulatorRulesSchema } from '@fedrisk/shared';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/fixtures.ts';

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

describe('the regulator after a job that failed', () => {
  /** A regulator for a run whose participants filed nothing for job-1, and that job's run as the runner saw it. */
  function setUp(phases: string[], failure: FedError | undefined) {
    const dir = tempDir();
    const regulatorKey = join(dir, 'regulator.key');
    writeFileSync(regulatorKey, createIdentity().privateKey, { mode: 0o600 });
    const id = () => ({ publicKey: createIdentity().publicKey, keyFile: '' });
    const trust = {
      identities: new Map([
        ['bank', id()],
        ['tax', id()],
      ]),
      governance: {
        coordinator: id(),
        suspensionsFile: join(dir, 'governance', 'suspensions.json'),
        regulator: { publicKey: '', keyFile: regulatorKey },
      },
    } as unknown as Parameters<typeof createRegulator>[1];
    mkdirSync(join(dir, 'governance'));
    const regulator = createRegulator('run-1', trust, regulatorRulesSchema.parse({}), () => new Date('2026-11-28T00:00:00Z'));
    const run = {
      files: { jobId: 'job-1', jobDir: join(dir, 'job-1'), partyDir: (p: string) => join(dir, 'job-1', 'parties', p) },
      record: { phases: phases.map((name) => ({ name, ms: 1 })) },
      failure,
    } as unknown as Parameters<NonNullable<typeof regulator>['review']>[0];
    if (!regulator) throw new Error('no regulator');
    return { regulator, run };
  }
  const lost = new FedError('JOB_ERR_PARTY_LOST', 'the bank left');

  it('flags every missing filing, and suspends each after a job that finished', () => {
    const { regulator, run } = setUp(['join', 'decrypt', 'reasons'], undefined);
    const review = regulator.review(run, ['bank', 'tax'], 'bank');
    expect(review.flags.map((f) => `${f.participant} ${f.rule}`)).toEqual(expect.arrayContaining(['coordinator filing', 'bank filing', 'tax filing']));
    expect(review.suspended.sort()).toEqual(['bank', 'coordinator', 'tax']);
    regulator.close();
  });

  it('suspends no one for a filing a crash left missing, before the recipient had its result', () => {
    const { regulator, run } = setUp(['join', 'encrypt'], lost);
    const review = regulator.review(run, ['bank', 'tax'], 'bank');
    expect(review.flags.length).toBeGreaterThanOrEqual(3);
    expect(review.suspended).toEqual([]);
    regulator.close();
  });

  it('suspends the recipient alone when the job failed after it had its result (delivered), not the parties it left behind', () => {
    const { regulator, run } = setUp(['join', 'decrypt', 'reasons'], lost);
    const review = regulator.review(run, ['bank', 'tax'], 'bank');
    expect(review.suspended).toEqual(['bank']);
    expect(regulator.suspended).toEqual(new Set(['bank']));
    regulator.close();
  });
});
