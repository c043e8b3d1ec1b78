/**
 * Counts what a participant received, by kind, from the frames it actually
 * decoded, and the bytes and messages on each link.
 */
import { type CoordinatorMessage, emptyKnowledge, type KnowledgeCounts, knowledgeOf, type NodeMessage } from './protocol.ts';

export interface LinkCount {
  from: string;
  to: string;
  messages: number;
  bytes: number;
}

export class KnowledgeLedger {
  readonly received: KnowledgeCounts = emptyKnowledge();
  /** plaintext values obtained by decrypting a result (only a result recipient has any) */
  decrypted = 0;

  record(msg: NodeMessage | CoordinatorMessage, blobs: readonly Uint8Array[]): void {
    for (const [kind, n] of Object.entries(knowledgeOf(msg, blobs)) as [keyof KnowledgeCounts, number][]) this.received[kind] += n;
  }

  toJSON(): { received: KnowledgeCounts; decrypted: number } {
    return { received: { ...this.received }, decrypted: this.decrypted };
  }
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
