/** One line per message for the trace: what it carries, in words, never a private value. */
import type { AnyMessage } from './protocol.ts';

const kb = (n: number) => `${(n / 1024).toFixed(0)} KB`;

export function describeMessage(msg: AnyMessage, blobs: readonly Uint8Array[]): string {
  const total = kb(blobs.reduce((s, b) => s + b.length, 0));
  switch (msg.type) {
    case 'hello':
      return `hello as ${msg.role} with a credential`;
    case 'welcome':
      return 'admitted';
    case 'job.start':
      return `job ${msg.jobId}: ${msg.kind}, keys ${msg.keys}${msg.keyHolder ? ` held by ${msg.keyHolder}` : ''}, recipient ${msg.recipient}, N=${msg.ckks.polyModulusDegree}`;
    case 'job.end':
      return msg.ok ? 'job finished' : `job failed: ${msg.error?.code}`;
    case 'error':
      return `error ${msg.error.code}`;
    case 'result.done':
      return `decrypted ${msg.scored} scores`;
    case 'keys.public':
      return `CKKS public key (${total})`;
    case 'keys.share':
      return `public-key share${msg.galois ? ' and rotation-key share' : ''}, signed, with an X25519 key (${total})`;
    case 'keys.galois':
      return `rotation keys (${total})`;
    case 'psi.blinded':
      return `${msg.points} blinded ids (${total})`;
    case 'psi.reply':
      return `${msg.points} re-blinded ids + ${msg.ownPoints} own blinded ids (${total})`;
    case 'psi.assign':
      return `slot assignments for the intersection, sealed to the holder (${total})`;
    case 'reasons.request':
      return `rejected applicants to give reasons for, sealed to the holder, padded (${total})`;
    case 'reasons.reply':
      return `top reason codes and point bands for those applicants, sealed to the recipient, padded (${total})`;
    case 'reasons.compare':
      return `the recipient's fresh public key and a comparison plan sealed to the holder, padded (${total})`;
    case 'reasons.operand':
      return `values to compare, encrypted under the recipient's fresh key (${total})`;
    case 'reasons.masked':
      return `masked differences, encrypted under the recipient's fresh key (${total})`;
    case 'keys.commit':
      return 'commitment to a public-key share (a hash), signed';
    case 'scores.commit':
      return 'commitment to an encrypted input (a hash), signed';
    case 'psi.done':
      return `alignment done: ${msg.slots} slots`;
    case 'align.reused':
      return `alignment of job ${msg.reused} reused from this party's own record: ${msg.slots} slots`;
    case 'align.done':
      return `alignment done: ${msg.slots} slots; set up keys`;
    case 'query.ids':
      return `${msg.count} business ids to score`;
    case 'scores.partial':
    case 'scores.sum':
      return `${msg.chunks} ciphertext(s) holding ${msg.slots} encrypted scores (${total})`;
    case 'scores.input':
      return `${msg.from}'s signed input: ${msg.chunks} ciphertext(s) (${total})`;
    case 'decrypt.request':
      return `please decrypt ${msg.digests.length} ciphertext(s), named by hash`;
    case 'decrypt.verdict':
      return msg.ok ? 'checked: it is the sum of the inputs; share issued' : `REFUSED: ${msg.error?.code}`;
    case 'decrypt.share':
      return `${msg.chunks} decryption share(s) sealed for the recipient, signed (${total})`;
    case 'train.partial':
      return `epoch ${msg.epoch} batch ${msg.batch}: encrypted partial logits (${total})`;
    case 'train.sum':
      return `epoch ${msg.epoch} batch ${msg.batch}: encrypted sum of the holders' partials (${total})`;
    case 'train.residual':
      return `epoch ${msg.epoch} batch ${msg.batch}: encrypted residual (${total})`;
    case 'train.gradient':
      return `epoch ${msg.epoch} batch ${msg.batch}: ${msg.features} masked encrypted gradient(s) (${total})`;
    case 'train.unmask':
      return `epoch ${msg.epoch} batch ${msg.batch}: ${msg.values.length} masked gradient value(s)`;
    case 'auth.grants':
      return `authorisations for "${msg.purpose}", padded and sealed to the holder, signed (${total})`;
    case 'audit.seal':
      return 'the work is done: sign your audit-trail head';
    case 'audit.head':
      return `audit-trail head at entry ${msg.seq}, signed`;
    case 'audit.heads':
      return `${msg.heads.length} signed audit-trail heads, to countersign`;
    case 'audit.countersign':
      return 'countersignature over every head';
    case 'train.epoch':
      return `epoch ${msg.epoch} done${msg.stop ? '; stop' : ''}`;
    case 'train.input':
      return `epoch ${msg.epoch} batch ${msg.batch}: ${msg.from}'s signed part of the residual, common a (${total})`;
    case 'train.labels':
      return `${msg.batches} encrypted label vector(s) under the collective key, signed (${total})`;
    case 'train.request':
      return `epoch ${msg.epoch}${msg.what === 'gradient' ? ` batch ${msg.batch}` : ''}: please help decrypt my ${msg.what} to me alone (c1 only, ${total})`;
    case 'train.share':
      return `epoch ${msg.epoch}${msg.what === 'gradient' ? ` batch ${msg.batch}` : ''}: decryption share of a ${msg.what}, sealed to its owner (${total})`;
    case 'train.loss':
      return `epoch ${msg.epoch}: encrypted loss terms for the label holder (${total})`;
    case 'plain.partial':
      return `${msg.slots} partial scores IN THE CLEAR (${total})`;
    case 'plain.sum':
      return `${msg.slots} summed scores in the clear (${total})`;
    case 'paillier.public':
      return `Paillier public key, ${msg.keyBits}-bit modulus, signed (${total})`;
    case 'paillier.partial':
      return `${msg.slots} Paillier ciphertexts, one per score, signed (${total})`;
    case 'paillier.sum':
      return `${msg.slots} Paillier ciphertexts of the summed scores (${total})`;
  }
}

/**
 * Message types whose blobs are ciphertexts, keys or sealed shares: random-looking bytes that
 * a view may show as a preview. Anything else (PSI points, plaintext values) never gets one.
 */
const OPAQUE_BLOB_TYPES: ReadonlySet<string> = new Set([
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

/** Bytes a preview shows. */
export const PREVIEW_BYTES = 32;

/**
 * The last bytes of a message's first blob, as hex, for a message that carries ciphertexts or keys;
 * undefined for every other message. The last bytes, because a SEAL object starts with the same header every time.
 */
export function ciphertextPreview(type: string, blobs: readonly Uint8Array[]): string | undefined {
  const blob = blobs[0];
  if (!blob?.length || !OPAQUE_BLOB_TYPES.has(type)) return undefined;
  const tail = blob.subarray(Math.max(0, blob.length - PREVIEW_BYTES));
  return Buffer.from(tail.buffer, tail.byteOffset, tail.byteLength).toString('hex');
}
