/**
 * Scoring, one party's side: this party's encrypted partial logits for every slot, and, for the recipient,
 * the decrypted joint logits turned into probabilities, scores and grades (then decisions: steps/reasons.ts).
 */
import { encryptVector, FedError, type KeyPair, partialLogitsFor, type ScoreTable, scoreOf } from '@fedrisk/shared';
import type { Handlers } from '../handlers.ts';
import type { Session } from '../session.ts';
import { sign } from '../signing.ts';
import { learnFromResult } from './attacks.ts';
import { beginReasons } from './reasons.ts';
import { commitInput } from './threshold-decrypt.ts';

/** Largest |partial logit| a CKKS slot holds with room to spare: beyond it the sum would wrap around the modulus. */
function maxPartial(s: Session): number {
  const { coeffModulusBits, scaleBits } = s.ctx.params;
  const dataBits = coeffModulusBits.slice(0, -1).reduce((a, b) => a + b, 0);
  return 2 ** (dataBits - scaleBits - 8);
}

/** This party's partial logits for every slot, encrypted under the job's key and sent (signed under threshold keys). */
export async function sendPartial(s: Session): Promise<void> {
  s.steps.begin('partial');
  const job = s.started;
  const ids = s.slotIds as string[];
  const pk = s.publicKey as Uint8Array;
  const partial = await s.timed('partial', () => partialLogitsFor(s.deps.table, s.deps.model, ids));
  s.gaps = partial.gaps;
  const limit = maxPartial(s);
  const at = partial.values.findIndex((v) => !Number.isFinite(v) || Math.abs(v) > limit);
  if (at >= 0) {
    throw new FedError(
      'JOB_ERR_MISMATCH',
      `${s.me}'s partial logit for slot ${at} is ${Number.isFinite(partial.values[at]) ? 'beyond' : 'not a finite number within'} the ${limit.toExponential(1)} these CKKS parameters can hold; check the model's weights`,
    );
  }
  s.log.info({ slots: ids.length, gaps: s.gaps }, 'partial scores computed');
  const blobs = await s.timed('encrypt', () =>
    encryptVector(s.ctx, pk, partial.values, { signal: s.deps.signal, onProgress: (d, t) => s.progress('encrypt', d, t) }),
  );
  s.deps.faultPoint('before-partial');
  if (job.keys === 'threshold') return commitInput(s, blobs);
  const signature = sign(s, 'scores.partial', [String(ids.length), ...blobs]);
  await s.send({ type: 'scores.partial', jobId: job.jobId, slots: ids.length, chunks: blobs.length, signature }, blobs);
  s.log.info({ chunks: blobs.length, bytes: blobs.reduce((n, b) => n + b.length, 0) }, 'encrypted partial scores sent');
}

/** The recipient: decrypted joint logits to probabilities of default, scores and grades; then it reports done. */
export async function finishScores(s: Session, logits: Float64Array): Promise<void> {
  s.steps.begin('scores');
  const card = s.config.scorecard;
  if (!card) throw new FedError('CONFIG_ERR_INVALID', `${s.me} is the recipient but its config has no scorecard`);
  const ids = s.slotIds as string[];
  learnFromResult(s, logits);
  // columns, not an object per business: at a million applicants the objects cost about 70 MB more
  const scores = await s.timed('scorecard', (): ScoreTable => {
    const n = logits.length;
    const pds = new Float64Array(n);
    const points = new Float64Array(n);
    const grades = new Array<string>(n);
    for (let i = 0; i < n; i++) {
      const { pd, score, grade } = scoreOf(logits[i] as number, card);
      pds[i] = pd;
      points[i] = score;
      grades[i] = grade;
    }
    // a design run on a sample decrypts the first slots only
    return { ids: n < ids.length ? ids.slice(0, n) : ids, logits, pds, scores: points, grades };
  });
  s.scoring = { scores };
  s.log.info({ scored: logits.length }, 'joint scores decrypted');
  // decisions and reasons come next; the reasons step reports done
  await beginReasons(s);
}

export const scoringHandlers: Handlers = {
  /** single holder, the recipient: the summed ciphertexts */
  'scores.sum': async (s, msg, blobs) => {
    const pair: KeyPair | undefined = s.keys?.single;
    const ids = s.slotIds;
    if (!s.isRecipient || !pair || !ids) throw new FedError('PROTO_ERR_UNEXPECTED', 'scores.sum sent to a party that is not the recipient');
    if (msg.slots !== ids.length) throw new FedError('JOB_ERR_MISMATCH', `the sum holds ${msg.slots} scores, the job has ${ids.length} slots`);
    const logits = await s.timed('decrypt', () => pair.decrypt(blobs, msg.slots, { signal: s.deps.signal, onProgress: (d, t) => s.progress('decrypt', d, t) }));
    await finishScores(s, logits);
  },
};
