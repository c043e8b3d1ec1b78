/**
 * Decisions and rejection reasons, after the recipient has its scores. The
 * recipient applies the credit policy (shared `decide`) to every slot; for
 * the rejected ones (and those sent to review) it prices its own columns and
 * asks each holder, sealed, about those of its rejected applicants the holder
 * knows (psi: the overlap it learned; query: all of them). A holder prices
 * its own columns for exactly those slots and answers, sealed, with at most
 * its top codes and a band of points each: never a value, never anything
 * about an approved applicant. The recipient merges every list into the
 * final reasons, then reports done.
 */
import {
  bandOf,
  codeListOf,
  type DecisionTable,
  decideAll,
  decisionOf,
  decodeReasonReply,
  decodeReasonRequest,
  encodeReasonReply,
  encodeReasonRequest,
  FedError,
  factorsFor,
  identityBoxKeys,
  identityBoxPublicKey,
  mergeReasons,
  NO_COST_BAND,
  openSealed,
  policyCutoff,
  type ReasonCandidate,
  type ReasonRow,
  type ReasonsConfig,
  type ReasonValue,
  rememberRows,
  rowsOf,
  rowsOfSlots,
  sealTo,
  topFactors,
} from '@fedrisk/shared';
import type { Handlers } from '../handlers.ts';
import type { Session } from '../session.ts';
import { checkSigned, sign } from '../signing.ts';
import type { ReasonsState } from '../state.ts';
import { type RefineStats, startRefine } from './reasons-refine.ts';

function reasonsConfig(s: Session): ReasonsConfig {
  const rc = s.config.reasons;
  if (!rc)
    throw new FedError('JOB_ERR_REASONS', `${s.me} was asked for rejection reasons but its config has no reasons settings: it did not agree to give any`);
  return rc;
}

/** This party's own value of a column for a row, as its file holds it: for the applicant's notice only. */
function ownValue(s: Session, column: string, row: number): string {
  const t = s.deps.table;
  const cat = t.categorical.get(column);
  if (cat) return cat[row] ?? '';
  const num = t.numeric.get(column);
  return num ? String(num[row]) : '';
}

/**
 * This party's top `k` factors for each of `slots`, as codes (indices into
 * its code list) with bands; the recipient also keeps the exact points. The
 * values of the columns it gives are kept for the applicant's notice.
 */
function priceOwn(s: Session, slots: readonly number[], k: number, rc: ReasonsConfig) {
  const aligned = s.slotIds as string[];
  const ids = slots.map((slot) => aligned[slot] as string);
  // the rows of these slots come from the aligned list's lookup: not another lookup of every id
  const rows = rowsOfSlots(s.deps.table, aligned, slots);
  rememberRows(s.deps.table, ids, rows);
  const factors = factorsFor(s.deps.table, s.deps.model, ids, rc.pointsPerLogit);
  const codes = codeListOf(s.config.role, s.deps.model);
  const indexOf = new Map(codes.map((c, i) => [`${c.column}\u0000${c.direction}`, i]));
  const values: ReasonValue[] = [];
  const out = slots.flatMap((slot, n) => {
    const top = topFactors(factors(n), k);
    if (!top.length) return [];
    const items = top.map((f) => {
      const code = indexOf.get(`${f.column}\u0000${f.direction}`) as number;
      values.push({ id: ids[n] as string, code: (codes[code] as { code: string }).code, column: f.column, value: ownValue(s, f.column, rows[n] as number) });
      return { code, band: bandOf(f.points, rc.bandPoints), points: f.points };
    });
    return [{ slot, items }];
  });
  return { codes, rows: out, values };
}

/** The recipient, scores in hand: decisions for every slot, its own reasons, and a sealed request to each holder. */
export async function beginReasons(s: Session): Promise<void> {
  s.steps.begin('reasons');
  const policy = s.config.policy;
  const card = s.config.scorecard;
  const scores = s.scoring?.scores;
  const scored = scores?.ids.length ?? 0;
  if (!policy || !card || !scores) {
    // a recipient given no policy reports scores only, as before decisions existed
    await s.send({ type: 'result.done', jobId: s.started.jobId, scored });
    return;
  }
  const rc = reasonsConfig(s);
  const ids = s.slotIds as string[];
  // the score as published (scores.csv, decisions.csv: 2 decimals), so whoever reads it reaches the same decision
  const published = scores.scores.map((x) => Number(x.toFixed(2)));
  const cutoff = policyCutoff(policy.approve, card.grades, published);
  const column = policy.limit.column === undefined ? undefined : s.deps.table.numeric.get(policy.limit.column);
  // a design run on a sample decrypts (and decides) only its first slots
  const rows = rowsOf(s.deps.table, scores.ids);
  const decisions = decideAll(policy, cutoff, scores.ids, scores.grades, published, (i) => (column ? (column[rows[i] as number] ?? Number.NaN) : undefined));
  const rejected: number[] = [];
  for (let i = 0; i < scores.ids.length; i++) if (decisionOf(decisions, i) !== 'approve') rejected.push(i);
  const own = priceOwn(s, rejected, rc.count, rc);
  const state: ReasonsState = {
    asked: new Map(),
    answers: new Map(),
    own: new Map(
      own.rows.map((r) => [
        r.slot,
        r.items.map((it): ReasonCandidate => {
          const c = own.codes[it.code] as (typeof own.codes)[number];
          return { party: s.me, code: c.code, column: c.column, direction: c.direction, band: it.band, width: rc.bandPoints, points: it.points };
        }),
      ]),
    ),
    decisions,
    received: {},
    values: own.values,
  };
  s.reasons = state;
  s.log.info({ rejected: rejected.length, of: ids.length, cutoff }, 'decisions made; asking for reasons');
  const holders = s.jobParties.filter((p) => p.id !== s.me);
  for (const h of holders) {
    // psi: only the rejected applicants this holder has a record of (the overlap the recipient learned)
    const mine = s.started.alignment === 'query' ? undefined : new Set(s.matchedSlots.get(h.id) ?? []);
    const slots = mine ? rejected.filter((slot) => mine.has(slot)) : rejected;
    state.asked.set(h.id, { slots: new Set(slots), want: rc.count });
    const blob = sealTo(identityBoxPublicKey(s.rosterKey(h.id)), encodeReasonRequest(slots, rc.count, ids.length));
    await s.send({ type: 'reasons.request', jobId: s.started.jobId, to: h.id, signature: sign(s, 'reasons.request', [h.id, blob]) }, [blob]);
  }
  if (!holders.length) await finishReasons(s);
}

/** Every holder answered: the contested pairs compared under encryption if the policy says so, then the final reasons. */
async function finishReasons(s: Session): Promise<void> {
  const state = s.reasons as ReasonsState;
  const rc = reasonsConfig(s);
  const order = s.jobParties.filter((p) => p.id !== s.me).map((p) => p.id);
  const decisions = state.decisions as DecisionTable;
  const candidates = new Map<number, ReasonCandidate[]>();
  for (let slot = 0; slot < decisions.ids.length; slot++) {
    if (decisionOf(decisions, slot) !== 'approve')
      candidates.set(slot, [...(state.own.get(slot) ?? []), ...order.flatMap((h) => state.answers.get(h)?.get(slot) ?? [])]);
  }
  if (rc.refine && (await startRefine(s, candidates, rc.count, (orders, stats) => mergeAndFinish(s, candidates, orders, stats)))) return;
  await mergeAndFinish(s, candidates, new Map(), undefined);
}

async function mergeAndFinish(
  s: Session,
  candidates: Map<number, ReasonCandidate[]>,
  orders: Map<number, number[]>,
  stats: RefineStats | undefined,
): Promise<void> {
  const state = s.reasons as ReasonsState;
  const rc = reasonsConfig(s);
  const decisions = state.decisions as DecisionTable;
  for (const [slot, list] of candidates) decisions.reasons.set(slot, mergeReasons(list, rc.count, orders.get(slot)));
  const rejected = candidates.size;
  // merged: the candidates are needed no more (an answer's holder stays known, so a second answer is still refused);
  // the refinement holds the same map, so it is emptied, not just let go
  candidates.clear();
  state.own.clear();
  for (const h of state.answers.keys()) state.answers.set(h, new Map());
  if (stats) state.refined = stats;
  // the notice carries the recipient's own values only for the reasons that made the final list
  const given = new Set<string>();
  for (const [slot, reasons] of decisions.reasons) for (const r of reasons) if (r.party === s.me) given.add(`${decisions.ids[slot]}\u0000${r.code}`);
  state.values = state.values.filter((v) => given.has(`${v.id}\u0000${v.code}`));
  s.log.info({ rejected }, 'reasons merged');
  await s.send({ type: 'result.done', jobId: s.started.jobId, scored: decisions.ids.length });
}

export const reasonsHandlers: Handlers = {
  /** holder: its top codes and bands for the rejected slots it was asked about, sealed to the recipient */
  'reasons.request': async (s, msg, blobs) => {
    const recipient = s.started.recipient;
    if (s.isRecipient || msg.from !== recipient || !s.slotIds || s.steps.has('reasons:reply'))
      throw new FedError('PROTO_ERR_UNEXPECTED', 'reasons.request outside a scoring job, or twice');
    checkSigned(s, 'reasons.request', msg.from, [s.me, blobs[0] as Uint8Array], msg.signature);
    s.steps.begin('reasons:reply');
    const rc = reasonsConfig(s);
    const capacity = s.slotIds.length;
    const opened = openSealed(identityBoxKeys(s.identityKey), blobs[0] as Uint8Array, `${msg.from}'s request for reasons`);
    const { slots, want } = decodeReasonRequest(opened, capacity, msg.from);
    s.deps.ledger.add('rejectedSlots', slots.length);
    const k = Math.min(want, rc.count);
    const priced = priceOwn(s, Array.from(slots), k, rc);
    const rows: ReasonRow[] = priced.rows.map((r) => ({ slot: r.slot, items: r.items.map(({ code, band }) => ({ code, band })) }));
    const points = new Map(priced.rows.flatMap((r) => r.items.map((it) => [`${r.slot},${it.code}`, it.points] as const)));
    s.reasons = { asked: new Map(), answers: new Map(), own: new Map(), decisions: undefined, received: {}, values: priced.values, points };
    const plain = encodeReasonReply({ k, width: rc.bandPoints, codes: priced.codes }, rows, capacity);
    const blob = sealTo(identityBoxPublicKey(s.rosterKey(recipient)), plain);
    await s.send({ type: 'reasons.reply', jobId: msg.jobId, to: recipient, signature: sign(s, 'reasons.reply', [recipient, blob]) }, [blob]);
    s.log.info({ asked: slots.length, answered: rows.length, codesEach: k }, 'reasons sent');
  },

  /** recipient: one holder's codes and bands; once every holder answered, the final reasons */
  'reasons.reply': async (s, msg, blobs) => {
    const state = s.reasons;
    const asked = state?.asked.get(msg.from);
    if (!s.isRecipient || !state || !asked || state.answers.has(msg.from))
      throw new FedError('PROTO_ERR_UNEXPECTED', `unexpected reasons.reply from ${msg.from}`);
    checkSigned(s, 'reasons.reply', msg.from, [s.me, blobs[0] as Uint8Array], msg.signature);
    const opened = openSealed(identityBoxKeys(s.identityKey), blobs[0] as Uint8Array, `${msg.from}'s reasons`);
    const { header, rows } = decodeReasonReply(opened, asked.slots, asked.want, (s.slotIds as string[]).length, msg.from);
    const bySlot = new Map<number, ReasonCandidate[]>();
    // a holder's candidate is its code and band, a few hundred pairs at most: one object each, shared by every slot
    // (nothing changes a candidate), not one per slot and code
    const made = new Map<number, ReasonCandidate>();
    let codes = 0;
    let bands = 0;
    for (const row of rows) {
      bySlot.set(
        row.slot,
        row.items.map(({ code, band }) => {
          codes++;
          if (band !== NO_COST_BAND) bands++;
          const key = code * 256 + band;
          let candidate = made.get(key);
          if (!candidate) {
            const c = header.codes[code] as { code: string; column: string; direction: ReasonCandidate['direction'] };
            candidate = { party: msg.from, code: c.code, column: c.column, direction: c.direction, band, width: header.width };
            made.set(key, candidate);
          }
          return candidate;
        }),
      );
    }
    s.deps.ledger.add('reasonCodes', codes);
    s.deps.ledger.add('reasonBands', bands);
    state.received[msg.from] = { applicants: rows.length, codes, bands };
    state.answers.set(msg.from, bySlot);
    state.codeLists = (state.codeLists ?? new Map()).set(
      msg.from,
      // by column and direction: a generic code (FEATURE_HIGH) names several columns
      header.codes.map((c) => `${c.column}\u0000${c.direction}`),
    );
    if (state.answers.size === state.asked.size && state.decisions) await finishReasons(s);
  },
};
