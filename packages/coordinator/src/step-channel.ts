/**
 * The hold's control channel when the coordinator is a process of its own
 * (`coordinator --step`): it writes `{"event":"step","id":n,"point":{...}}`
 * on its event channel (stdout) and waits for `{"go":n}` on its input
 * (stdin), a line the runner writes when its stepper lets the point pass.
 * The channel belongs to the runner that started the process, not to the
 * parties' sockets. If the input ends, the runner is gone: everything held
 * goes on and nothing is held again.
 */
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { EventSink, StepGate } from '@fedrisk/shared';

export interface StepChannel {
  gate: StepGate;
  /** stops reading the input and lets everything held go on; idempotent */
  close(): void;
}

export function createStepChannel(input: Readable, emit: EventSink): StepChannel {
  const waiting = new Map<number, () => void>();
  let nextId = 0;
  let open = true;
  const lines = createInterface({ input });
  const releaseAll = (): void => {
    open = false;
    for (const go of waiting.values()) go();
    waiting.clear();
  };
  lines.on('line', (line) => {
    let id: unknown;
    try {
      id = (JSON.parse(line) as { go?: unknown } | null)?.go;
    } catch {
      return; // not a control line: ignored
    }
    if (typeof id !== 'number') return;
    waiting.get(id)?.();
    waiting.delete(id);
  });
  lines.on('close', releaseAll);
  input.on('error', releaseAll);
  return {
    gate: (point) => {
      if (!open) return Promise.resolve();
      const id = nextId++;
      return new Promise<void>((resolve) => {
        waiting.set(id, resolve);
        emit({ event: 'step', id, point });
      });
    },
    close: () => {
      lines.close();
      releaseAll();
    },
  };
}
