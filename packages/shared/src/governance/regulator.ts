/**
 * The regulator's side of governance. After each job every participant files
 * its signed log head and a summary of its data use (counts, purposes,
 * pseudonyms of the authorisations used; never a record). The regulator
 * checks each filing's signature, applies its rules, and may suspend a
 * participant's interface permission: a signed list the coordinator of every
 * later job reads, refusing a suspended participant (AUTH_ERR_SUSPENDED).
 */
import { z } from 'zod';
import { signFields, verifyFields } from '../crypto/channel.ts';
import { FedError } from '../util/errors.ts';
import { CREDIT_ASSESSMENT } from './authorisation.ts';

const count = z.number().int().min(0);
const hex64 = z.string().regex(/^[0-9a-f]{64}$/);

export const signedHeadSchema = z
  .object({ participant: z.string().max(64), seq: z.number().int().min(-1), hash: hex64, signature: z.string().max(128) })
  .strict();

/** What the recipient asked one holder, and what a holder says it answered. */
const askedSchema = z.object({ applicants: count, grants: count }).strict();
const answeredSchema = z
  .object({ applicants: count, grants: count, matched: count, authorised: count, unauthorised: count, purpose: z.string().max(100) })
  .strict();

export const filingSummarySchema = z
  .object({
    role: z.string().max(32),
    /** recipient: the purpose it stated */
    purpose: z.string().max(100).optional(),
    /** recipient: applicants it holds an authorisation from */
    applications: count.optional(),
    /** recipient: per holder */
    asked: z.record(z.string(), askedSchema).optional(),
    /** holder: per recipient */
    answered: z.record(z.string(), answeredSchema).optional(),
    /** recipient: pseudonyms of the authorisations it presented (authorisationToken) */
    tokens: z.array(z.string().regex(/^[0-9a-f]{32}$/)).optional(),
  })
  .strict();
export type FilingSummary = z.infer<typeof filingSummarySchema>;

export const filingSchema = z
  .object({
    job: z.string().max(64),
    participant: z.string().max(64),
    ok: z.boolean(),
    head: signedHeadSchema,
    /** the job ended with every participant's head countersigned */
    countersigned: z.boolean(),
    summary: filingSummarySchema,
    signature: z.string().max(128),
  })
  .strict();
export type Filing = z.infer<typeof filingSchema>;

const filingFields = (f: Omit<Filing, 'signature'>) => ['fedrisk/filing/v1', JSON.stringify({ ...f, summary: f.summary })];

export function signFiling(identityKey: string, f: Omit<Filing, 'signature'>): Filing {
  return { ...f, signature: signFields(identityKey, filingFields(f)) };
}

export function verifyFiling(publicKey: string, f: Filing): boolean {
  const { signature, ...rest } = f;
  return verifyFields(publicKey, filingFields(rest), signature);
}

export const regulatorRulesSchema = z
  .object({
    /** most businesses a bank may ask about per application (authorisation) it holds */
    maxAskedPerApplication: z.number().min(1).default(1.1),
    /** largest share of the records holders matched that may lack a valid authorisation */
    maxUnauthorisedShare: z.number().min(0).max(1).default(0.05),
    /** purposes a bank may state */
    allowedPurposes: z.array(z.string().min(1).max(100)).min(1).default([CREDIT_ASSESSMENT]),
    /** most jobs that may use one business's authorisation (a design comparison asks once per design) */
    maxQueriesPerBusiness: z.number().int().min(1).default(2),
    /** suspend a flagged participant's interface permission (false: flag only) */
    suspend: z.boolean().default(true),
  })
  .strict();
export type RegulatorRules = z.infer<typeof regulatorRulesSchema>;

export type RegulatorRule = 'purpose' | 'over-asking' | 'unauthorised' | 'repeated' | 'inconsistent' | 'filing';

export interface RegulatorFlag {
  job: string;
  participant: string;
  rule: RegulatorRule;
  detail: string;
}

/** One job's filings against the rules; `uses` counts each authorisation pseudonym over every job so far (updated here). */
export function assessFilings(job: string, filings: readonly Filing[], rules: RegulatorRules, uses: Map<string, number>, recipient?: string): RegulatorFlag[] {
  const flags: RegulatorFlag[] = [];
  const flag = (participant: string, rule: RegulatorRule, detail: string) => flags.push({ job, participant, rule, detail });
  // the job's recipient is known from its roster: a filing that leaves out what it asked does not escape the rules,
  // and a recipient that filed nothing (or nothing valid: flagged by the caller) is judged on the holders' reports alone
  const recipients: Pick<Filing, 'participant' | 'summary'>[] = filings.filter((f) => f.summary.asked || f.participant === recipient);
  const filed = new Set(recipients.map((f) => f.participant));
  if (recipient && !filed.has(recipient)) recipients.push({ participant: recipient, summary: { role: 'bank' } });
  for (const f of recipients) {
    if (!filed.has(f.participant)) continue;
    const answered = filings.filter((h) => h.summary.answered?.[f.participant]);
    if (!f.summary.asked && answered.length) flag(f.participant, 'filing', 'its filing says nothing of what it asked, though holders say they answered it');
    if (f.summary.purpose === undefined) flag(f.participant, 'filing', 'its filing leaves out the purpose it stated');
    if (!f.summary.tokens && answered.some((h) => (h.summary.answered?.[f.participant]?.grants ?? 0) > 0))
      flag(f.participant, 'filing', 'its filing leaves out the authorisations it presented, though holders say they received some');
  }
  for (const bank of recipients) {
    const s = bank.summary;
    const me = bank.participant;
    if (s.purpose !== undefined && !rules.allowedPurposes.includes(s.purpose))
      flag(me, 'purpose', `stated purpose "${s.purpose}" is not one of ${rules.allowedPurposes.map((p) => `"${p}"`).join(', ')}`);
    const answers = filings.flatMap((f) => (f.summary.answered?.[me] ? [{ holder: f.participant, a: f.summary.answered[me] }] : []));
    if (!filed.has(me)) {
      // no valid filing of its own (flagged by the caller): the holders' reports say what it did
      for (const { holder, a } of answers)
        flag(me, 'inconsistent', `filed nothing valid, though ${holder} says it was asked about ${a.applicants} businesses with ${a.grants} authorisations`);
    }
    for (const { holder, a } of filed.has(me) ? answers : []) {
      const asked = s.asked?.[holder];
      if (!asked || asked.applicants !== a.applicants || asked.grants !== a.grants)
        flag(
          me,
          'inconsistent',
          `says it asked ${holder} about ${asked?.applicants ?? 0} businesses with ${asked?.grants ?? 0} authorisations; ${holder} says ${a.applicants} with ${a.grants}`,
        );
      if (a.purpose !== s.purpose) flag(me, 'inconsistent', `stated purpose "${s.purpose}" in its filing, "${a.purpose}" to ${holder}`);
    }
    // what the holders say they were asked, not only what the bank says
    const asked = Math.max(0, ...Object.values(s.asked ?? {}).map((a) => a.applicants), ...answers.map((x) => x.a.applicants));
    const applications = s.applications ?? 0;
    if (filed.has(me) && asked > rules.maxAskedPerApplication * applications)
      flag(
        me,
        'over-asking',
        `asked about ${asked} businesses holding ${applications} applications (authorisations): ${(asked / Math.max(1, applications)).toFixed(2)} per application, limit ${rules.maxAskedPerApplication}`,
      );
    const matched = answers.reduce((n, x) => n + x.a.matched, 0);
    const unauthorised = answers.reduce((n, x) => n + x.a.unauthorised, 0);
    if (matched && unauthorised / matched > rules.maxUnauthorisedShare)
      flag(
        me,
        'unauthorised',
        `${unauthorised} of the ${matched} records holders matched had no valid authorisation (${((100 * unauthorised) / matched).toFixed(1)} %, limit ${(100 * rules.maxUnauthorisedShare).toFixed(1)} %)`,
      );
    let repeated = 0;
    for (const t of s.tokens ?? []) {
      const n = (uses.get(t) ?? 0) + 1;
      uses.set(t, n);
      if (n > rules.maxQueriesPerBusiness) repeated++;
    }
    if (repeated) flag(me, 'repeated', `${repeated} businesses queried more than ${rules.maxQueriesPerBusiness} times on the same authorisation`);
  }
  return flags;
}

export const suspensionsSchema = z
  .object({
    suspended: z.array(
      z.object({ participant: z.string().max(64), job: z.string().max(64), rules: z.array(z.string().max(32)), at: z.string().max(40) }).strict(),
    ),
    signature: z.string().max(128),
  })
  .strict();
export type Suspensions = z.infer<typeof suspensionsSchema>;

const suspensionFields = (s: Omit<Suspensions, 'signature'>) => ['fedrisk/suspensions/v1', JSON.stringify(s.suspended)];

export function signSuspensions(identityKey: string, suspended: Suspensions['suspended']): Suspensions {
  return { suspended, signature: signFields(identityKey, suspensionFields({ suspended })) };
}

/** The participants a signed suspension list names; a list the regulator did not sign is refused. */
export function suspendedParticipants(s: Suspensions, regulatorKey: string, file: string): Set<string> {
  if (!verifyFields(regulatorKey, suspensionFields(s), s.signature))
    throw new FedError('CRYPTO_ERR_SIGNATURE', `the suspension list ${file} is not signed by the regulator`);
  return new Set(s.suspended.map((x) => x.participant));
}
