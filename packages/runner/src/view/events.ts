/**
 * What the live view shows: the processes' own events plus a few the view adds
 * (who takes part, what each participant holds, its knowledge ledger). Like
 * ProcessEvent, a view event carries counts, sizes and names, never private
 * values; a message may carry a short hex preview of a ciphertext or key.
 */
import type { KnowledgeKind, ProcessEvent } from '@fedrisk/shared';

type MessageEvent = Extract<ProcessEvent, { event: 'message' }>;

/** A protocol message as it crossed the coordinator, with the phase it happened in. */
export type ViewMessageEvent = MessageEvent & {
  /** the job phase the message belongs to; the server fills it in when absent */
  phase?: string;
  /** the first bytes of a SEAL object (ciphertext, key, sealed share) as hex; never plaintext */
  preview?: string;
};

export type ViewEvent =
  | Exclude<ProcessEvent, { event: 'message' }>
  | ViewMessageEvent
  /** the run: its scenario name, the parties (the coordinator is implied) and the designs it runs */
  | { event: 'run'; name: string; parties: { id: string; role: string }[]; designs: string[] }
  /** a new job starts (a design, or joint training); `phases` is its expected phase order, when known */
  | { event: 'job'; name: string; phases?: string[] }
  /** a phase starts (the coordinator passed the stepper's phase point) */
  | { event: 'phase-start'; name: string }
  /** what a participant holds: its own data, its key material */
  | { event: 'holds'; participant: string; items: string[] }
  /** what a participant has received so far, by knowledge kind, and how many values it decrypted */
  | { event: 'ledger'; participant: string; received: Partial<Record<KnowledgeKind, number>>; decrypted: number };

/** Where a step can be held: before a phase starts or before a message is handled or sent (shared: the coordinator holds there). */
export type { StepPoint } from '@fedrisk/shared';

const PHASE_OF_TYPE: Record<string, string> = {
  hello: 'join',
  welcome: 'join',
  'psi.blinded': 'align',
  'psi.reply': 'align',
  'psi.assign': 'align',
  'psi.done': 'align',
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
};

/** Message types that belong to no phase: they come in whichever phase is running (governance's at the job's end). */
export const ANY_PHASE_TYPES: ReadonlySet<string> = new Set([
  'job.start',
  'job.end',
  'error',
  'auth.grants',
  'audit.head',
  'audit.heads',
  'audit.seal',
  'audit.countersign',
]);

/** The phase a message type belongs to; undefined for job.start, job.end and error, which can come in any phase. */
export function phaseOfMessage(type: string): string | undefined {
  return PHASE_OF_TYPE[type];
}

/** Message types whose attachments are SEAL objects or sealed shares: the only ones whose preview the view shows. */
const OPAQUE_TYPES = new Set([
  'keys.public',
  'keys.share',
  'keys.galois',
  'scores.partial',
  'scores.input',
  'scores.sum',
  'decrypt.share',
  'train.partial',
  'train.sum',
  'train.residual',
  'train.gradient',
  'paillier.public',
  'paillier.partial',
  'paillier.sum',
]);

/** Longest preview kept: 32 bytes. */
export const PREVIEW_HEX_CHARS = 64;

/**
 * A preview the page may show: lowercase hex of at most 32 bytes, and only on
 * a message that carries ciphertexts or keys. Anything else is dropped, so a
 * caller cannot put plaintext on the screen through this field by mistake.
 */
export function safePreview(type: string, preview: unknown): string | undefined {
  if (typeof preview !== 'string' || !OPAQUE_TYPES.has(type)) return undefined;
  const hex = preview.toLowerCase();
  if (!/^[0-9a-f]{2,}$/.test(hex) || hex.length % 2 !== 0) return undefined;
  return hex.slice(0, PREVIEW_HEX_CHARS);
}

/** Hex of the first bytes of a blob, for a message's `preview`. */
export function previewOf(blob: Uint8Array, bytes = PREVIEW_HEX_CHARS / 2): string {
  return Buffer.from(blob.buffer, blob.byteOffset, Math.min(blob.byteLength, bytes)).toString('hex');
}
