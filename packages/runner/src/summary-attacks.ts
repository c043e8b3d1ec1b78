/** The summary's account of a staged attack: the same attack with the defences on and off, side by side. */
import type { AttackResult, Report } from './report/types.ts';

/** What stops each attack, in one line. */
const DEFENCE: Record<AttackResult['kind'], string> = {
  'rogue-key': 'every party commits to its key share before any share is revealed',
  'crafted-input': 'every party commits to its input before any input is revealed',
  'cancelling-input': 'every party commits to its input before any input is revealed',
  downgrade: 'each party pinned the job it agreed to, and refuses any other',
  'key-swap': 'the holder signs its public key; every party checks it against its own roster',
  'psi-probe': 'a holder answers for no more applicants than it agreed to',
  tamper: 'every input is signed by its author and checked by every party',
  collusion: 'none in this design: what two parties know, with the result, gives the third party away',
};

function learnedLine(a: AttackResult): string | undefined {
  const parts = Object.entries(a.learned)
    .filter(([, l]) => l.of > 0)
    .map(([victim, l]) => `${victim}'s partial logits for ${l.values} of ${l.of} applicants (max error ${l.maxError.toExponential(1)})`);
  for (const [holder, m] of Object.entries(a.membership ?? {}))
    if (m.learnedMembers) parts.push(`which of ${m.guesses} guessed ids ${holder} has (${m.learnedMembers} of ${m.trueMembers})`);
  return parts.length ? `${a.by} learned ${parts.join('; ')}` : undefined;
}

export function attackLines(r: Report): string[] {
  const attacks = r.attacks ?? [];
  const first = attacks[0];
  if (!first) return [];
  const out = [`  attack    ${first.kind} by ${first.by} · defence: ${DEFENCE[first.kind]}`];
  for (const a of attacks) {
    const who = a.stoppedBy[0];
    const verdict = a.outcome === 'succeeded' ? 'SUCCEEDED' : `${a.outcome.toUpperCase()}${who ? ` by ${who.party}: ${who.code}: ${who.message}` : ''}`;
    out.push(`            defences ${a.defences.padEnd(3)}: ${verdict}`);
    const learned = learnedLine(a);
    if (learned) out.push(`                           ${learned}`);
    if (a.outcome === 'succeeded' && !learned) out.push(`                           ${a.effect}`);
  }
  return out;
}
