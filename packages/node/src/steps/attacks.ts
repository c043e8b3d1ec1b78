/**
 * Attacks a party can stage (scenario `attacks:`), to show what the other
 * parties' defences stop and what the attacker gets when they are off. An
 * honest party never enters this module: every hook first checks that its
 * own config names the attack. What the attacker learns is written to its
 * own out/attack.json for the referee to measure; nothing here is sent.
 */
import { readFileSync } from 'node:fs';
import {
  cancellingInput,
  craftedInput,
  createThresholdParty,
  crsSeed,
  FedError,
  recoverKeyShare,
  rogueShare,
  shareFor,
  type ThresholdParty,
} from '@fedrisk/shared';
import type { Session } from '../session.ts';
import type { AttackState, KeysState } from '../state.ts';

const rogues = new WeakMap<Session, ThresholdParty>();

function attackState(s: Session): AttackState {
  s.attack ??= { learned: {}, membership: {}, probes: [] };
  return s.attack;
}

/** Rogue key: a fresh key p* of its own, and the share that makes the collective key equal to it. */
export function rogueKeyShare(s: Session, k: KeysState): Uint8Array {
  const rogue = createThresholdParty(s.ctx, crsSeed(s.started.jobId), s.deps.custody, s.deps.ledger);
  // this party now holds a secret key that opens everything encrypted under the collective key
  s.deps.custody.hold('secretKey');
  rogues.set(s, rogue);
  const others = [...k.shares].filter(([id]) => id !== s.me).map(([, v]) => v.blob);
  s.log.warn('attack: publishing a rogue key share');
  return rogueShare(s.ctx, rogue.shareBytes, others);
}

/** Rogue key: another party's input, read with the rogue key alone. */
export function readWithRogueKey(s: Session, from: string, blobs: readonly Uint8Array[]): void {
  const rogue = rogues.get(s);
  if (!rogue) return;
  const slots = (s.slotIds ?? []).length;
  const values: number[] = [];
  for (const [c, ct] of blobs.entries()) {
    const used = Math.min(s.ctx.slots, slots - c * s.ctx.slots);
    values.push(...rogue.decryptWithShares(ct, [], used).subarray(0, used));
  }
  attackState(s).learned[from] = values;
}

/**
 * Crafted or cancelling input: the recipient waits for every other input,
 * then builds its own from them. Undefined until they are all in.
 */
export async function attackInput(s: Session, own: Uint8Array[], inputs: ReadonlyMap<string, Uint8Array[]>): Promise<Uint8Array[] | undefined> {
  const attack = s.config.attack;
  if (attack?.kind !== 'crafted-input' && attack?.kind !== 'cancelling-input') return own;
  const others = s.jobParties.filter((p) => p.id !== s.me);
  if (others.some((p) => !inputs.has(p.id))) return undefined;
  s.log.warn({ kind: attack.kind }, 'attack: building an input from the others');
  if (attack.kind === 'crafted-input')
    return craftedInput(
      s.ctx,
      own,
      others.map((p) => inputs.get(p.id) as Uint8Array[]),
    );
  const cancelled = others.filter((p) => p.id !== attack.target).map((p) => inputs.get(p.id) as Uint8Array[]);
  if (!cancelled.length) throw new FedError('JOB_ERR_MISMATCH', 'a cancelling input needs at least one party besides its target');
  return cancellingInput(s.ctx, cancelled);
}

/** A recipient staging a crafted input reads the others' inputs again once their shares are in (learnFromShares). */
export function readsInputsAfterSum(s: Session): boolean {
  return s.isRecipient && s.config.attack?.kind === 'crafted-input';
}

/**
 * Crafted input, after the honest parties' shares arrived: each share of the
 * sum (whose c1 is the constant) gives that party's secret key share; with
 * all of them and its own, the recipient reads every other party's input.
 */
export function learnFromShares(s: Session, shares: ReadonlyMap<string, Uint8Array[]>, sum: readonly Uint8Array[]): void {
  if (s.config.attack?.kind !== 'crafted-input' || !s.threshold) return;
  const n = s.ctx.params.polyModulusDegree;
  const secret = new Int32Array(n);
  for (const [, chunks] of shares) {
    const part = recoverKeyShare(s.ctx, chunks[0] as Uint8Array, sum[0] as Uint8Array);
    for (let k = 0; k < n; k++) secret[k] = (secret[k] as number) + (part[k] as number);
  }
  // with every other share recovered, its own share completes the whole key
  s.deps.custody.hold('secretKey');
  const own = s.keys?.threshold;
  if (!own) return;
  const slots = (s.slotIds ?? []).length;
  for (const [party, blobs] of s.threshold.inputs) {
    if (party === s.me) continue;
    const values: number[] = [];
    for (const [c, ct] of blobs.entries()) {
      const used = Math.min(s.ctx.slots, slots - c * s.ctx.slots);
      values.push(...own.decryptWithShares(ct, [shareFor(s.ctx, ct, secret)], used).subarray(0, used));
    }
    attackState(s).learned[party] = values;
  }
}

/** Cancelling input: what the recipient decrypted as "the sum" is its target's input. */
export function learnFromResult(s: Session, logits: Float64Array): void {
  const attack = s.config.attack;
  if (attack?.kind === 'cancelling-input') attackState(s).learned[attack.target] = Array.from(logits);
}

/** PSI probe: the recipient's applicants with guessed ids mixed in (the runner gives the guesses in a file). */
export function probedApplicants(s: Session, applicants: string[]): string[] {
  const attack = s.config.attack;
  if (attack?.kind !== 'psi-probe' || !s.config.probeFile) return applicants;
  const probes = readFileSync(s.config.probeFile, 'utf8').split('\n').filter(Boolean).slice(0, attack.guesses);
  attackState(s).probes = probes;
  s.log.warn({ probes: probes.length }, 'attack: probing with guessed ids among the applicants');
  return [...applicants, ...probes];
}

/** PSI probe: which guessed ids a holder turned out to have. */
export function learnMembership(s: Session, holder: string, matchedSlots: readonly number[]): void {
  const a = s.attack;
  if (!a?.probes.length) return;
  const ids = s.slotIds ?? [];
  const probes = new Set(a.probes);
  a.membership[holder] = matchedSlots.map((slot) => ids[slot] as string).filter((id) => probes.has(id));
}
