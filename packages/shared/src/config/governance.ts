/**
 * The scenario's `governance:` section: the audit trail, the authorisations
 * businesses give, an optional regulator with its rules, and (to show the
 * regulator at work) a bank that misbehaves.
 */
import { z } from 'zod';
import { CREDIT_ASSESSMENT } from '../governance/authorisation.ts';
import { regulatorRulesSchema } from '../governance/regulator.ts';
import { partyIdSchema } from '../wire/ids.ts';

export const scenarioGovernanceSchema = z
  .object({
    /** every participant keeps a signed, hash-chained audit trail and countersigns the others' heads at the end of each job */
    audit: z.boolean().default(true),
    authorisations: z
      .object({
        /** holders contribute only records whose business authorised the recipient (needs audit) */
        required: z.boolean().default(true),
        /** share of applicants who authorise the recipient */
        share: z.number().min(0).max(1).default(0.97),
        /** days an authorisation stays valid from the run's start */
        validDays: z.number().int().min(1).max(3650).default(90),
      })
      .strict()
      .prefault({}),
    /** a regulator who receives every participant's signed head and summary after each job, flags and may suspend */
    regulator: z
      .object({ rules: regulatorRulesSchema.prefault({}) })
      .strict()
      .optional(),
    /** a recipient that deviates, to show the regulator at work */
    misbehave: z
      .object({
        by: partyIdSchema,
        /** businesses it asks about on top of its applicants: its own customers who did not apply (no authorisation) */
        extraQueries: z.number().int().min(0).max(1_000_000).default(0),
        /** the purpose it states to the holders */
        purpose: z.string().min(1).max(100).default(CREDIT_ASSESSMENT),
      })
      .strict()
      .optional(),
  })
  .strict();
export type ScenarioGovernance = z.infer<typeof scenarioGovernanceSchema>;

/** Problems with the section that depend on the rest of the scenario. */
export function governanceIssues(g: ScenarioGovernance, recipient: string): { path: (string | number)[]; message: string }[] {
  const issues: { path: (string | number)[]; message: string }[] = [];
  if (!g.audit && g.authorisations.required)
    issues.push({
      path: ['authorisations', 'required'],
      message: 'authorisations are checked and recorded through the audit trail: set audit: true, or required: false',
    });
  if (!g.audit && g.regulator) issues.push({ path: ['regulator'], message: 'the regulator reads the audit trails: set audit: true' });
  if (g.misbehave && g.misbehave.by !== recipient)
    issues.push({ path: ['misbehave', 'by'], message: `only the recipient (${recipient}) asks about businesses; it is the one that can misbehave here` });
  return issues;
}
