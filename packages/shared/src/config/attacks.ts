/**
 * Attacks a scenario can stage, to show what each defence stops and what an
 * attacker gets without it (scenario `attacks:`, with `defences: on | off | both`).
 * A party's attack travels in its own node config; the coordinator's in its.
 */
import { z } from 'zod';
import { partyIdSchema } from '../wire/ids.ts';

export const attackSchema = z.discriminatedUnion('kind', [
  /** threshold: the last party to publish its key share picks it so the collective key is one it alone holds */
  z.object({ kind: z.literal('rogue-key'), by: partyIdSchema }).strict(),
  /** threshold, the recipient: an input whose c1 makes the sum's c1 a known constant, so honest shares give away their keys */
  z.object({ kind: z.literal('crafted-input'), by: partyIdSchema }).strict(),
  /** threshold, the recipient: an input that cancels every other input but the target's, so "the sum" is the target's vector */
  z.object({ kind: z.literal('cancelling-input'), by: partyIdSchema, target: partyIdSchema }).strict(),
  /** the coordinator starts a single-holder job instead of the agreed threshold one, with its own key as the holder's */
  z.object({ kind: z.literal('downgrade') }).strict(),
  /** single holder: the coordinator hands out its own public key as the holder's */
  z.object({ kind: z.literal('key-swap') }).strict(),
  /** the recipient puts guessed record ids among its applicants to learn whether a holder has them */
  z.object({ kind: z.literal('psi-probe'), by: partyIdSchema, guesses: z.number().int().min(1).max(100_000).default(200) }).strict(),
  /** the coordinator alters one party's encrypted input on its way to the others */
  z.object({ kind: z.literal('tamper'), target: partyIdSchema }).strict(),
  /** two parties pool what they know after an honest job, to learn the third's contribution */
  z.object({ kind: z.literal('collusion'), parties: z.tuple([partyIdSchema, partyIdSchema]), target: partyIdSchema }).strict(),
]);
export type Attack = z.infer<typeof attackSchema>;
export type AttackKind = Attack['kind'];

/** Which participant carries out an attack. */
export function attacker(a: Attack): string {
  switch (a.kind) {
    case 'downgrade':
    case 'key-swap':
    case 'tamper':
      return 'coordinator';
    case 'collusion':
      return a.parties.join('+');
    default:
      return a.by;
  }
}

/** The attacks a party's node carries out. */
export const partyAttackSchema = attackSchema.options[0].or(attackSchema.options[1]).or(attackSchema.options[2]).or(attackSchema.options[5]);
export type PartyAttack = z.infer<typeof partyAttackSchema>;

/** The attacks the coordinator carries out. */
export const coordinatorAttackSchema = attackSchema.options[3].or(attackSchema.options[4]).or(attackSchema.options[6]);
export type CoordinatorAttack = z.infer<typeof coordinatorAttackSchema>;
