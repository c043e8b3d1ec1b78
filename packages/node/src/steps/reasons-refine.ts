/**
 * The reasons refinement (policy.reasons.refine): once every holder answered,
 * the recipient R compares under encryption the candidates of different
 * parties it cannot order (overlapping bands, or its exact cost inside a
 * holder's band). R makes a fresh CKKS key pair for this step only and sends
 * each holder its public key and a sealed plan; every sender (R, each earlier
 * holder) sends every later holder one operand ciphertext; each holder, as
 * masker, returns Enc(r ⊙ (own − operands)) with fresh masks r > 0. R reads
 * only the signs. The traffic has one fixed shape whatever was contested.
 */
import {
  type ContestedPair,
  contestedPairs,
  drawMasks,
  encryptVector,
  FedError,
  generateKeyPair,
  identityBoxKeys,
  identityBoxPublicKey,
  maskDifference,
  openSealed,
  type ReasonCandidate,
  refineBound,
  refinedOrder,
  refineMaskScaleBits,
  sealTo,
  signsOf,
} from '@fedrisk/shared';
import type { Handlers } from '../handlers.ts';
import type { Session } from '../session.ts';
import { checkSigned, sign } from '../signing.ts';
import type { PlanEntry, RefineHold, RefineRun } from '../state.ts';

export type { RefineStats } from '../state.ts';

/** One plan entry: 20 bytes (role, masker's holder index, position, slot, code index, base). */
const ENTRY = 20;
const MASKER = 0;
const SENDER = 1;

/** A plan padded to `holders x slots` entries, whatever it holds, so its size says nothing. */
function encodePlan(entries: readonly PlanEntry[], bound: number, holders: number, slots: number): Uint8Array {
  const buf = Buffer.alloc(12 + holders * slots * ENTRY);
  buf.writeUInt32LE(entries.length, 0);
  buf.writeDoubleLE(bound, 4);
  entries.forEach((e, i) => {
    const o = 12 + i * ENTRY;
    buf.writeUInt8(e.role, o);
    buf.writeUInt8(e.masker, o + 1);
    buf.writeUInt16LE(e.position, o + 2);
    buf.writeUInt32LE(e.slot, o + 4);
    buf.writeUInt32LE(e.code, o + 8);
    buf.writeDoubleLE(e.base, o + 12);
  });
  return new Uint8Array(buf);
}

function decodePlan(bytes: Uint8Array, holders: number, slots: number, from: string): { entries: PlanEntry[]; bound: number } {
  const buf = Buffer.from(bytes);
  const bad = (why: string) => new FedError('JOB_ERR_REASONS', `${from}'s comparison plan ${why}`, { details: { from } });
  if (buf.length !== 12 + holders * slots * ENTRY) throw bad(`has ${buf.length} bytes, not ${12 + holders * slots * ENTRY}`);
  const n = buf.readUInt32LE(0);
  const bound = buf.readDoubleLE(4);
  if (n > holders * slots || !(bound > 0 && bound < 1e6)) throw bad('has a bad header');
  const entries = Array.from({ length: n }, (_, i) => {
    const o = 12 + i * ENTRY;
    const e = {
      role: buf.readUInt8(o),
      masker: buf.readUInt8(o + 1),
      position: buf.readUInt16LE(o + 2),
      slot: buf.readUInt32LE(o + 4),
      code: buf.readUInt32LE(o + 8),
      base: buf.readDoubleLE(o + 12),
    };
    if (e.role > SENDER || e.masker >= holders || e.position >= slots || !Number.isFinite(e.base)) throw bad(`entry ${i + 1} is out of range`);
    return e;
  });
  return { entries, bound };
}

const holdOf = (s: Session): RefineHold => {
  s.refine.hold ??= { operands: new Map(), sent: false };
  return s.refine.hold;
};
const holdersOf = (s: Session) => s.jobParties.filter((p) => p.id !== s.started.recipient).map((p) => p.id);

/**
 * Recipient: plans the comparisons and sends compare and operands; false when
 * there is nothing to refine with (no CKKS context in this design, no holder).
 */
export async function startRefine(s: Session, candidates: Map<number, ReasonCandidate[]>, count: number, finish: RefineRun['finish']): Promise<boolean> {
  const holders = holdersOf(s);
  const state = s.reasons;
  if (!holders.length || !s.ckks || !state?.codeLists) return false;
  const ctx = s.ctx;
  const slots = ctx.slots;
  // at least 1: with nothing contested the plan still goes out, with a valid header
  const bound = Math.max(1, refineBound(candidates.values()));
  // throws here when the job's parameters leave no room for the mask, before any traffic
  refineMaskScaleBits(ctx.params, bound);
  const started = performance.now();
  const plans = new Map(holders.map((h) => [h, [] as PlanEntry[]]));
  const own: Map<string, Float64Array> = new Map(holders.map((h) => [h, new Float64Array(slots)]));
  const pairs = new Map(holders.map((h) => [h, [] as { slot: number; key: string }[]]));
  const codeOf = (c: ReasonCandidate) => (state.codeLists?.get(c.party) ?? []).indexOf(`${c.column}\u0000${c.direction}`);
  let unresolved = 0;
  for (const [slot, list] of candidates) {
    const found = contestedPairs(slot, list, count);
    unresolved += found.unbounded;
    for (const p of found.pairs as ContestedPair[]) {
      const sender = list[p.sender] as ReasonCandidate;
      const masker = list[p.masker] as ReasonCandidate;
      const at = pairs.get(masker.party) as { slot: number; key: string }[];
      if (at.length >= slots) {
        unresolved++;
        continue;
      }
      const position = at.length;
      at.push({ slot, key: `${p.sender},${p.masker}` });
      const mi = holders.indexOf(masker.party);
      (plans.get(masker.party) as PlanEntry[]).push({ role: MASKER, masker: mi, position, slot, code: codeOf(masker), base: p.base });
      if (sender.party === s.me) (own.get(masker.party) as Float64Array)[position] = (sender.points as number) - p.base;
      else (plans.get(sender.party) as PlanEntry[]).push({ role: SENDER, masker: mi, position, slot, code: codeOf(sender), base: p.base });
    }
  }
  const keys = generateKeyPair(ctx, { ledger: s.deps.ledger });
  s.deps.custody.hold('refineSecretKey');
  s.deps.custody.hold('refinePublicKey');
  const run: RefineRun = { keys, pairs, masked: new Map(), candidates, unresolved, started, bytes: 0, finish };
  s.refine.run = run;
  for (const h of holders) {
    const plan = sealTo(identityBoxPublicKey(s.rosterKey(h)), encodePlan(plans.get(h) as PlanEntry[], bound, holders.length, slots));
    run.bytes += plan.length + keys.publicKeyBytes.length;
    await s.send({ type: 'reasons.compare', jobId: s.started.jobId, to: h, signature: sign(s, 'reasons.compare', [h, keys.publicKeyBytes, plan]) }, [
      keys.publicKeyBytes,
      plan,
    ]);
  }
  for (const h of holders) {
    const [ct] = await encryptVector(ctx, keys.publicKeyBytes, own.get(h) as Float64Array);
    run.bytes += (ct as Uint8Array).length;
    await s.send({ type: 'reasons.operand', jobId: s.started.jobId, to: h, signature: sign(s, 'reasons.operand', [h, ct as Uint8Array]) }, [ct as Uint8Array]);
  }
  s.log.info(
    { holders: holders.length, compared: [...pairs.values()].reduce((n, p) => n + p.length, 0), unresolved },
    'reasons refinement: comparing contested pairs',
  );
  return true;
}

/** Holder: once it has the plan and every earlier sender's operand, its masked differences go to R. */
async function maskIfReady(s: Session): Promise<void> {
  const h = holdOf(s);
  const holders = holdersOf(s);
  const me = holders.indexOf(s.me);
  if (h.sent || !h.entries || !h.publicKey || h.operands.size < me + 1) return;
  h.sent = true;
  const ctx = s.ctx;
  const points = s.reasons?.points ?? new Map<string, number>();
  const own = new Float64Array(ctx.slots);
  for (const e of h.entries) if (e.role === MASKER) own[e.position] = (points.get(`${e.slot},${e.code}`) ?? 0) - e.base;
  const out = maskDifference(ctx, [...h.operands.values()], own, drawMasks(ctx.slots), refineMaskScaleBits(ctx.params, h.bound as number));
  const to = s.started.recipient;
  await s.send({ type: 'reasons.masked', jobId: s.started.jobId, to, signature: sign(s, 'reasons.masked', [to, out]) }, [out]);
}

export const refineHandlers: Handlers = {
  /** holder: R's fresh key and its plan; its operands go to every later holder */
  'reasons.compare': async (s, msg, blobs) => {
    const h = holdOf(s);
    const holders = holdersOf(s);
    if (s.isRecipient || msg.from !== s.started.recipient || h.entries || !s.steps.has('reasons:reply'))
      throw new FedError('PROTO_ERR_UNEXPECTED', 'reasons.compare outside a reasons step, or twice');
    const [publicKey, sealed] = blobs as [Uint8Array, Uint8Array];
    checkSigned(s, 'reasons.compare', msg.from, [s.me, publicKey, sealed], msg.signature);
    const ctx = s.ctx;
    const opened = openSealed(identityBoxKeys(s.identityKey), sealed, `${msg.from}'s comparison plan`);
    const { entries, bound } = decodePlan(opened, holders.length, ctx.slots, msg.from);
    const points = s.reasons?.points ?? new Map<string, number>();
    // only the slots this holder was asked about (and gave codes for) may appear in its plan
    for (const e of entries)
      if (!points.has(`${e.slot},${e.code}`))
        throw new FedError('JOB_ERR_REASONS', `${msg.from}'s comparison plan names a code ${s.me} did not give`, { details: { from: msg.from } });
    Object.assign(h, { publicKey, entries, bound });
    const me = holders.indexOf(s.me);
    for (const [mi, masker] of holders.entries()) {
      if (mi <= me) continue;
      const values = new Float64Array(ctx.slots);
      for (const e of entries) if (e.role === SENDER && e.masker === mi) values[e.position] = (points.get(`${e.slot},${e.code}`) as number) - e.base;
      const [ct] = await encryptVector(ctx, publicKey, values);
      await s.send({ type: 'reasons.operand', jobId: msg.jobId, to: masker, signature: sign(s, 'reasons.operand', [masker, ct as Uint8Array]) }, [
        ct as Uint8Array,
      ]);
    }
    await maskIfReady(s);
  },

  /** holder: one earlier sender's values at this holder's positions */
  'reasons.operand': async (s, msg, blobs) => {
    const h = holdOf(s);
    const holders = holdersOf(s);
    const senders = [s.started.recipient, ...holders.slice(0, holders.indexOf(s.me))];
    if (s.isRecipient || !senders.includes(msg.from) || h.operands.has(msg.from))
      throw new FedError('PROTO_ERR_UNEXPECTED', `unexpected reasons.operand from ${msg.from}`);
    checkSigned(s, 'reasons.operand', msg.from, [s.me, blobs[0] as Uint8Array], msg.signature);
    h.operands.set(msg.from, blobs[0] as Uint8Array);
    await maskIfReady(s);
  },

  /** recipient: one holder's masked differences; once every holder's are in, the signs order the candidates */
  'reasons.masked': async (s, msg, blobs) => {
    const run = s.refine.run;
    if (!s.isRecipient || !run?.pairs.has(msg.from) || run.masked.has(msg.from))
      throw new FedError('PROTO_ERR_UNEXPECTED', `unexpected reasons.masked from ${msg.from}`);
    checkSigned(s, 'reasons.masked', msg.from, [s.me, blobs[0] as Uint8Array], msg.signature);
    run.bytes += (blobs[0] as Uint8Array).length;
    const pairs = run.pairs.get(msg.from) as { slot: number; key: string }[];
    run.masked.set(msg.from, pairs.length ? await run.keys.decrypt([blobs[0] as Uint8Array], pairs.length, { what: 'reasonComparison' }) : new Float64Array(0));
    s.deps.ledger.add('reasonComparisons', pairs.length);
    if (run.masked.size < run.pairs.size) return;
    run.keys.delete();
    const signs = new Map<number, Map<string, number>>();
    for (const [masker, list] of run.pairs) {
      const read = signsOf(
        run.masked.get(masker) as Float64Array,
        list.map((_, i) => i),
      );
      list.forEach((p, i) => {
        const m = signs.get(p.slot) ?? new Map<string, number>();
        m.set(p.key, read[i] as number);
        signs.set(p.slot, m);
      });
    }
    const orders = new Map([...run.candidates].map(([slot, list]) => [slot, refinedOrder(list, signs.get(slot) ?? new Map())]));
    const compared = [...run.pairs.values()].reduce((n, p) => n + p.length, 0);
    await run.finish(orders, { pairs: compared, unresolved: run.unresolved, ms: Math.round(performance.now() - run.started), bytes: run.bytes });
  },
};
