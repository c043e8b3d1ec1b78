/**
 * Participants as OS processes: one coordinator and one process per party,
 * each started with the pinned Node runtime, which runs the TypeScript
 * sources directly (type stripping). Events arrive as JSON lines on stdout;
 * the last lines of stderr are kept for error messages.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { FedError, parseEventLine, type StepGate } from '@fedrisk/shared';
import type { EventHandler, Launcher, Participant } from './launcher.ts';

/** The packages' own entry points, through their declared exports. */
const COORDINATOR_BIN = fileURLToPath(import.meta.resolve('@fedrisk/coordinator/bin'));
export const NODE_BIN = fileURLToPath(import.meta.resolve('@fedrisk/node/bin'));

export interface Child extends Participant {
  readonly proc: ChildProcess;
}

/**
 * Node's on-disk cache of compiled modules: a participant then starts in about half
 * the CPU time (the sources are stripped and compiled once, not in every process).
 * Kept in the project's own node_modules, not in a shared temporary folder.
 */
const COMPILE_CACHE = fileURLToPath(new URL('../../../../node_modules/.cache/fedrisk-compile', import.meta.url));

/**
 * Starts `bin` with the pinned Node runtime; `wrap` is a command that runs it
 * (`ip netns exec <name>`: in another network namespace) and must exec it in
 * place, so signals reach the participant itself. `gate`: the child was
 * started with --step; its step events wait there, and the answer goes back
 * on its stdin (the control channel of coordinator/src/step-channel.ts).
 */
export function startChild(
  name: string,
  bin: string,
  args: string[],
  env: Record<string, string>,
  onEvent: EventHandler,
  wrap: readonly string[] = [],
  gate?: StepGate,
): Child {
  const [command, ...argv] = [...wrap, process.execPath, bin, ...args] as [string, ...string[]];
  const proc = spawn(command, argv, {
    stdio: [gate ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    env: { NODE_COMPILE_CACHE: COMPILE_CACHE, ...process.env, ...env },
  });
  let tail = '';
  let lastFatal: { code: string; message: string } | undefined;
  let signal: string | undefined;
  const exited = new Promise<number>((resolve) => {
    proc.once('exit', (code, sig) => {
      signal = sig ?? undefined;
      resolve(code ?? 128 + (sig ? (constants.signals[sig] ?? 0) : 0));
    });
    proc.once('error', (err) => {
      tail += `\n${err.message}`;
      resolve(2);
    });
  });
  // a child that has gone closes its stdin under us: nothing to answer any more
  proc.stdin?.on('error', () => {});
  proc.stderr?.setEncoding('utf8');
  proc.stderr?.on('data', (chunk: string) => {
    tail = (tail + chunk).slice(-4000);
  });
  if (proc.stdout) {
    createInterface({ input: proc.stdout }).on('line', (line) => {
      const e = parseEventLine(line);
      if (!e) return;
      if (e.event === 'fatal') lastFatal = { code: e.code, message: e.message };
      if (e.event === 'step') {
        void gate?.(e.point).then(() => {
          if (proc.stdin?.writable) proc.stdin.write(`{"go":${e.id}}\n`);
        });
        return;
      }
      onEvent(name, e);
    });
  }
  const alive = () => proc.exitCode === null && proc.signalCode === null;
  const stop = async (graceMs = 3000): Promise<void> => {
    if (!alive()) return void (await exited);
    proc.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const forced = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        proc.kill('SIGKILL');
        resolve();
      }, graceMs);
    });
    await Promise.race([exited, forced]);
    clearTimeout(timer);
    await exited;
  };
  return {
    name,
    proc,
    exited,
    get signal() {
      return signal;
    },
    get lastFatal() {
      return lastFatal;
    },
    stderrTail: () => tail.trim(),
    stop,
    [Symbol.asyncDispose]: () => stop(),
  };
}

/** Where the participants run, when not all on this host's own network: see namespaces.ts. */
export interface Placement {
  /** the command that runs a participant where it belongs ([] here) */
  wrap(participant: string): readonly string[];
  /** the address the coordinator listens on, and the port (0: any free one) */
  coordinatorHost: string;
  coordinatorPort: number;
}

const HERE: Placement = { wrap: () => [], coordinatorHost: '127.0.0.1', coordinatorPort: 0 };

export function processLauncher(extraEnv: Record<string, string> = {}, placement: Placement = HERE): Launcher {
  const { wrap, coordinatorHost, coordinatorPort } = placement;
  return {
    kind: 'processes',
    keygen: async (party, file) => {
      const child = startChild(party, NODE_BIN, ['--keygen', file], extraEnv, () => {}, wrap(party));
      const status = await child.exited;
      if (status !== 0) throw new FedError('RUN_ERR_PROCESS', `${party} could not make its identity key (exit status ${status}): ${child.stderrTail()}`);
      return readFileSync(`${file}.pub`, 'utf8').trim();
    },
    coordinator: (l, onEvent) =>
      startChild(
        'coordinator',
        COORDINATOR_BIN,
        [
          '--config',
          l.configFile,
          '--host',
          coordinatorHost,
          '--port',
          String(coordinatorPort),
          '--record',
          l.recordFile,
          '--log-file',
          l.logFile,
          '--log-level',
          l.logLevel,
          ...(l.gate ? ['--step'] : []),
        ],
        { ...extraEnv, ...(l.captureDir ? { FEDRISK_CAPTURE_DIR: l.captureDir } : {}) },
        onEvent,
        wrap('coordinator'),
        l.gate,
      ),
    node: (l, onEvent) =>
      startChild(
        l.party,
        NODE_BIN,
        ['--config', l.configFile, '--coordinator', l.coordinatorUrl, '--log-file', l.logFile, '--log-level', l.logLevel],
        { ...extraEnv, FEDRISK_TOKEN: l.token, ...(l.captureDir ? { FEDRISK_CAPTURE_DIR: l.captureDir } : {}) },
        onEvent,
        wrap(l.party),
      ),
  };
}
