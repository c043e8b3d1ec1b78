/**
 * The phase each message type belongs to, as the coordinator's phase clock
 * runs them; 'any' for the types that come in whichever phase is running
 * (job.start, job.end, error, and governance's at the job's end). A record
 * over every type of the protocol: a new message type does not compile
 * until it is placed here.
 */
import type { PhaseName } from './ids.ts';
import type { AnyMessage } from './protocol.ts';

const MESSAGE_PHASES: Record<AnyMessage['type'], PhaseName | 'any'> = {
  hello: 'join',
  welcome: 'join',
  'psi.blinded': 'align',
  'psi.reply': 'align',
  'psi.assign': 'align',
  'psi.done': 'align',
  'align.reused': 'align',
  'align.done': 'align',
  'keys.public': 'keys',
  'keys.share': 'keys',
  'keys.galois': 'keys',
  'query.ids': 'query',
  'scores.partial': 'encrypt',
  'scores.input': 'encrypt',
  'scores.sum': 'aggregate',
  'decrypt.request': 'decrypt',
  'decrypt.verdict': 'decrypt',
  'decrypt.share': 'decrypt',
  'result.done': 'decrypt',
  'train.partial': 'train',
  'train.sum': 'train',
  'train.residual': 'train',
  'train.gradient': 'train',
  'train.unmask': 'train',
  'train.epoch': 'train',
  'plain.partial': 'encrypt',
  'plain.sum': 'aggregate',
  'paillier.public': 'keys',
  'paillier.partial': 'encrypt',
  'paillier.sum': 'aggregate',
  'keys.commit': 'keys',
  'scores.commit': 'encrypt',
  'train.input': 'train',
  'train.labels': 'train',
  'train.request': 'train',
  'train.share': 'train',
  'train.loss': 'train',
  'reasons.request': 'reasons',
  'reasons.reply': 'reasons',
  'reasons.compare': 'reasons',
  'reasons.operand': 'reasons',
  'reasons.masked': 'reasons',
  'job.start': 'any',
  'job.end': 'any',
  error: 'any',
  'auth.grants': 'any',
  'audit.head': 'any',
  'audit.heads': 'any',
  'audit.seal': 'any',
  'audit.countersign': 'any',
};

/** Message types that belong to no phase: they come in whichever phase is running. */
export const ANY_PHASE_TYPES: ReadonlySet<string> = new Set(Object.entries(MESSAGE_PHASES).flatMap(([t, p]) => (p === 'any' ? [t] : [])));

/** The phase a message type belongs to; undefined for one that comes in any phase, or an unknown type. */
export function phaseOfMessage(type: string): PhaseName | undefined {
  const p = (MESSAGE_PHASES as Record<string, PhaseName | 'any' | undefined>)[type];
  return p === 'any' ? undefined : p;
}
