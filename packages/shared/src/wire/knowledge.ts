/**
 * What a message tells its receiver, by kind. The knowledge ledger adds these
 * up from the frames a participant actually decoded, so it cannot drift from
 * the protocol; decryptions are counted where they happen.
 */
import type { AnyMessage } from './protocol.ts';

export const KNOWLEDGE_KINDS = [
  'businessIds',
  'publicKeys',
  'publicKeyShares',
  'evaluationKeys',
  'maskedValues',
  'trainingLoss',
  'blindedIds',
  'alignmentSlots',
  'ciphertexts',
  'sealedDecryptionShares',
  'sealedAssignments',
  'sealedReasons',
  'rejectedSlots',
  'reasonCodes',
  'reasonBands',
  'reasonComparisons',
  'sealedAuthorisations',
  'commitments',
  'plaintextValues',
  'secretKeys',
  'credentials',
  'control',
] as const;
export type KnowledgeKind = (typeof KNOWLEDGE_KINDS)[number];
export type KnowledgeCounts = Record<KnowledgeKind, number>;

function emptyKnowledge(): KnowledgeCounts {
  return Object.fromEntries(KNOWLEDGE_KINDS.map((k) => [k, 0])) as KnowledgeCounts;
}

export function knowledgeOf(msg: AnyMessage, blobs: readonly Uint8Array[]): Partial<KnowledgeCounts> {
  switch (msg.type) {
    case 'hello':
      return { credentials: 1 };
    case 'keys.public':
    case 'paillier.public':
      return { publicKeys: blobs.length };
    case 'keys.share':
      // training: the second blob is a rotation-key share
      return msg.galois ? { publicKeyShares: 1, evaluationKeys: 1 } : { publicKeyShares: blobs.length };
    case 'keys.galois':
      return { evaluationKeys: blobs.length };
    case 'query.ids':
      return { businessIds: msg.count };
    case 'scores.partial':
    case 'scores.sum':
    case 'scores.input':
    case 'train.partial':
    case 'train.sum':
    case 'train.residual':
    case 'train.gradient':
    case 'train.input':
    case 'train.labels':
    case 'train.loss':
    case 'train.request':
      return { ciphertexts: blobs.length };
    case 'paillier.partial':
    case 'paillier.sum':
      // one Paillier ciphertext per value
      return { ciphertexts: msg.slots };
    case 'plain.partial':
    case 'plain.sum':
      return { plaintextValues: msg.slots };
    case 'decrypt.share':
    case 'train.share':
      return { sealedDecryptionShares: blobs.length };
    case 'keys.commit':
    case 'scores.commit':
      return { commitments: 1 };
    case 'train.unmask':
      // to the holder it is its own gradient, masked by itself: plaintext once it removes its mask;
      // to the coordinator relaying it, masked by a mask it does not know
      return 'from' in msg ? { maskedValues: msg.values.length, plaintextValues: msg.values.length } : { maskedValues: msg.values.length };
    case 'train.epoch':
      // threshold: only the stop decision travels; the loss stays with the label holder
      return msg.loss === undefined ? { control: 1 } : { trainingLoss: 1, plaintextValues: 1 };
    case 'psi.blinded':
      return { blindedIds: msg.points };
    case 'psi.reply':
      return { blindedIds: msg.points + msg.ownPoints };
    case 'psi.assign':
      // sealed: what it says is counted by the holder when it opens it (KnowledgeLedger.add)
      return { sealedAssignments: 1 };
    case 'reasons.request':
    case 'reasons.reply':
      // sealed: the holder counts the rejected slots it was asked about, the recipient the codes and bands, once opened
      return { sealedReasons: 1 };
    case 'reasons.compare':
      return { publicKeys: 1, sealedReasons: 1 };
    case 'reasons.operand':
      return { ciphertexts: blobs.length };
    case 'reasons.masked':
      // to the recipient, once decrypted: one masked difference per compared pair (counted as reasonComparisons when read)
      return { ciphertexts: blobs.length };
    case 'auth.grants':
      // sealed to the holder: it counts what it opened (the grants for its own customers)
      return { sealedAuthorisations: 1 };
    default:
      return { control: 1 };
  }
}

export interface LedgerEntry {
  received: KnowledgeCounts;
  /** plaintext values this participant obtained by decrypting */
  decrypted: number;
  /** the same, by what was decrypted, where the key object said (training: residual, maskedGradient, ownGradient, loss) */
  decryptedAs?: Record<string, number>;
}

export class KnowledgeLedger {
  readonly received: KnowledgeCounts = emptyKnowledge();
  #decrypted = 0;
  readonly #decryptedAs: Record<string, number> = {};

  record(msg: AnyMessage, blobs: readonly Uint8Array[]): void {
    for (const [kind, n] of Object.entries(knowledgeOf(msg, blobs)) as [KnowledgeKind, number][]) this.received[kind] += n;
  }

  /** values this participant has just decrypted (called by the key objects, where every decryption happens) */
  decrypted(values: number, what?: string): void {
    this.#decrypted += values;
    if (what) this.#decryptedAs[what] = (this.#decryptedAs[what] ?? 0) + values;
  }

  /** what a participant learned from a message's sealed content, counted once it opened it */
  add(kind: KnowledgeKind, n: number): void {
    this.received[kind] += n;
  }

  toJSON(): LedgerEntry {
    return {
      received: { ...this.received },
      decrypted: this.#decrypted,
      ...(Object.keys(this.#decryptedAs).length ? { decryptedAs: { ...this.#decryptedAs } } : {}),
    };
  }
}

export interface LinkCount {
  from: string;
  to: string;
  messages: number;
  bytes: number;
}

export class LinkMeter {
  readonly #links = new Map<string, LinkCount>();

  add(from: string, to: string, bytes: number): void {
    const key = `${from}\u0000${to}`;
    const link = this.#links.get(key) ?? { from, to, messages: 0, bytes: 0 };
    link.messages++;
    link.bytes += bytes;
    this.#links.set(key, link);
  }

  toJSON(): LinkCount[] {
    return [...this.#links.values()].map((l) => ({ ...l }));
  }
}
