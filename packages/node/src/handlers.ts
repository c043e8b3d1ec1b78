/** How steps declare the coordinator messages they handle, and how a node's table of handlers is assembled. */
import type { CoordinatorMessageType, CoordinatorMsg } from '@fedrisk/shared';
import type { Session } from './session.ts';

export type Handler<T extends CoordinatorMessageType> = (s: Session, msg: CoordinatorMsg<T>, blobs: Uint8Array[]) => void | Promise<void>;
export type Handlers = { [T in CoordinatorMessageType]?: Handler<T> };

/** Merges the steps' tables; a message type claimed by two steps is an error when the node is made. */
export function mergeHandlers(tables: Record<string, Handlers>): Handlers {
  const out: Record<string, unknown> = {};
  const owner = new Map<string, string>();
  for (const [step, table] of Object.entries(tables)) {
    for (const [type, handler] of Object.entries(table)) {
      const other = owner.get(type);
      if (other) throw new Error(`message type ${type} has two handlers: steps "${other}" and "${step}"`);
      owner.set(type, step);
      out[type] = handler;
    }
  }
  return out as Handlers;
}
