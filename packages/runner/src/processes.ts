/**
 * Child processes for a run: one coordinator and one process per party, each
 * started with the pinned Node runtime and tsx. Events arrive as JSON lines
 * on stdout; the last lines of stderr are kept for error messages.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type ProcessEvent, parseEventLine } from '@fedrisk/shared';

export const COORDINATOR_BIN = fileURLToPath(new URL('../../coordinator/src/bin/coordinator.ts', import.meta.url));
export const NODE_BIN = fileURLToPath(new URL('../../node/src/bin/node.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');

export interface Child {
  name: string;
  proc: ChildProcess;
  /** resolves with the exit code (signals map to 128 + n style codes, or -1) */
  exited: Promise<number>;
  stderrTail(): string;
  lastFatal?: { code: string; message: string };
}

export function startChild(name: string, bin: string, args: string[], env: Record<string, string>, onEvent: (name: string, e: ProcessEvent) => void): Child {
  const proc = spawn(process.execPath, ['--import', TSX, bin, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let tail = '';
  const child: Child = {
    name,
    proc,
    exited: new Promise((resolve) => {
      proc.once('exit', (code, signal) => resolve(code ?? (signal ? -1 : 0)));
      proc.once('error', () => resolve(-1));
    }),
    stderrTail: () => tail.trim(),
  };
  proc.stderr?.setEncoding('utf8');
  proc.stderr?.on('data', (chunk: string) => {
    tail = (tail + chunk).slice(-4000);
  });
  if (proc.stdout) {
    createInterface({ input: proc.stdout }).on('line', (line) => {
      const e = parseEventLine(line);
      if (!e) return;
      if (e.event === 'fatal') child.lastFatal = { code: e.code, message: e.message };
      onEvent(name, e);
    });
  }
  return child;
}

/** SIGTERM, then SIGKILL for any child still alive after the grace period. */
export async function stopChildren(children: readonly Child[], graceMs = 3000): Promise<void> {
  const alive = children.filter((c) => c.proc.exitCode === null && c.proc.signalCode === null);
  for (const c of alive) c.proc.kill('SIGTERM');
  await Promise.all(
    alive.map(async (c) => {
      let timer: NodeJS.Timeout | undefined;
      const killed = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          c.proc.kill('SIGKILL');
          resolve();
        }, graceMs);
      });
      await Promise.race([c.exited, killed]);
      clearTimeout(timer);
      await c.exited;
    }),
  );
}
