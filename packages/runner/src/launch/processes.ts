/**
 * Participants as OS processes: one coordinator and one process per party,
 * each started with the pinned Node runtime, which runs the TypeScript
 * sources directly (type stripping). Events arrive as JSON lines on stdout;
 * the last lines of stderr are kept for error messages.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { FedError, parseEventLine, type StepGate, standbyStartLine } from '@fedrisk/shared';
import type { EventHandler, Launcher, Participant } from './launcher.ts';

/** The packages' own entry points, through their declared exports. */
const COORDINATOR_BIN = fileURLToPath(import.meta.resolve('@fedrisk/coordinator/bin'));
export const NODE_BIN = fileURLToPath(import.meta.resolve('@fedrisk/node/bin'));
/** The coordinator's participant name (no party may take it: the scenario schema refuses it). */
const COORDINATOR = 'coordinator';

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
 * glibc maps a block of 128 KiB or more on its own and gives it back when freed, but after the first such free
 * it raises that threshold to the block's size: a party's later ciphertext buffers (a few hundred KiB each) then
 * come from its heap, which keeps their memory once they are freed. Fixed at 128 KiB, they keep being returned:
 * the bank's peak at a million applicants was about 0.1 GiB lower in the run that tried it. Other C libraries
 * ignore the variable; one set in the caller's environment wins.
 */
const GLIBC_MMAP_THRESHOLD = String(128 * 1024);

/** A participant's OS process as spawned, and how it ended (watched from the start, so an early end is never missed). */
interface Spawned {
  proc: ChildProcess;
  /** its stdout's lines: one reader for its life, so a standby's first line and its job's events never race */
  lines: Interface | undefined;
  ended: Promise<{ status: number; signal: string | undefined; error: string | undefined }>;
}

function spawnParticipant(bin: string, args: readonly string[], env: Record<string, string>, wrap: readonly string[], stdin: 'pipe' | 'ignore'): Spawned {
  const [command, ...argv] = [...wrap, process.execPath, bin, ...args] as [string, ...string[]];
  const proc = spawn(command, argv, {
    stdio: [stdin, 'pipe', 'pipe'],
    env: { NODE_COMPILE_CACHE: COMPILE_CACHE, MALLOC_MMAP_THRESHOLD_: GLIBC_MMAP_THRESHOLD, ...process.env, ...env },
  });
  // a child that has gone closes its stdin under us: nothing to answer any more
  proc.stdin?.on('error', () => {});
  const ended = new Promise<{ status: number; signal: string | undefined; error: string | undefined }>((resolve) => {
    proc.once('exit', (code, sig) => resolve({ status: code ?? 128 + (sig ? (constants.signals[sig] ?? 0) : 0), signal: sig ?? undefined, error: undefined }));
    proc.once('error', (err) => resolve({ status: 2, signal: undefined, error: err.message }));
  });
  return { proc, ended, lines: proc.stdout ? createInterface({ input: proc.stdout }) : undefined };
}

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
  return watchChild(name, spawnParticipant(bin, args, env, wrap, gate ? 'pipe' : 'ignore'), onEvent, gate);
}

function watchChild(name: string, { proc, ended, lines }: Spawned, onEvent: EventHandler, gate?: StepGate): Child {
  let tail = '';
  let lastFatal: { code: string; message: string } | undefined;
  let signal: string | undefined;
  const exited = ended.then((end) => {
    signal = end.signal;
    if (end.error) tail += `\n${end.error}`;
    return end.status;
  });
  proc.stderr?.setEncoding('utf8');
  proc.stderr?.on('data', (chunk: string) => {
    tail = (tail + chunk).slice(-4000);
  });
  if (lines) {
    lines.on('line', (line) => {
      const e = parseEventLine(line);
      if (!e) return;
      if (e.event === 'standby') return; // started ahead of its job: it was waiting for it
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
  // participants started ahead of their jobs, by name, oldest first: the next job that starts a participant takes one
  const standbys = new Map<string, Spawned[]>();
  const queued: string[] = [];
  let loading: string | undefined;
  const binOf = (name: string) => (name === COORDINATOR ? COORDINATOR_BIN : NODE_BIN);
  // one standby loads at a time, so the runner's own work keeps a core of its own
  const pump = (): void => {
    const name = loading === undefined ? queued.shift() : undefined;
    if (name === undefined) return;
    const spawned = spawnParticipant(binOf(name), ['--standby'], extraEnv, wrap(name), 'pipe');
    standbys.set(name, [...(standbys.get(name) ?? []), spawned]);
    loading = name;
    const loaded = (): void => {
      if (loading !== name) return;
      loading = undefined;
      pump();
    };
    const onLine = (line: string): void => {
      if (parseEventLine(line)?.event !== 'standby') return;
      spawned.lines?.off('line', onLine);
      loaded();
    };
    spawned.lines?.on('line', onLine);
    void spawned.ended.then(loaded);
  };
  /** a standby if there is one (it gets the job's arguments and credential on stdin), else a process started now */
  const start = (name: string, args: string[], jobEnv: Record<string, string>, onEvent: EventHandler, gate?: StepGate): Child => {
    const ready = standbys.get(name)?.shift();
    // none started yet: this job starts its own now, in place of one still waiting its turn
    if (!ready && queued.includes(name)) queued.splice(queued.indexOf(name), 1);
    if (ready?.proc.exitCode === null && ready.proc.signalCode === null && ready.proc.stdin?.writable) {
      ready.proc.stdin.write(standbyStartLine({ v: 1, argv: args, env: jobEnv }));
      if (!gate) ready.proc.stdin.end();
      return watchChild(name, ready, onEvent, gate);
    }
    ready?.proc.kill();
    return startChild(name, binOf(name), args, { ...extraEnv, ...jobEnv }, onEvent, wrap(name), gate);
  };
  return {
    kind: 'processes',
    keygen: async (party, file) => {
      const child = startChild(party, NODE_BIN, ['--keygen', file], extraEnv, () => {}, wrap(party));
      const status = await child.exited;
      if (status !== 0) throw new FedError('RUN_ERR_PROCESS', `${party} could not make its identity key (exit status ${status}): ${child.stderrTail()}`);
      return readFileSync(`${file}.pub`, 'utf8').trim();
    },
    standby: (names) => {
      queued.push(...names);
      pump();
    },
    close: async () => {
      const left = [...standbys.values()].flat();
      standbys.clear();
      queued.length = 0;
      // a standby whose stdin ends exits at once, having done nothing
      for (const { proc } of left) proc.stdin?.end();
      await Promise.all(left.map((s) => s.ended));
    },
    coordinator: (l, onEvent) =>
      start(
        COORDINATOR,
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
        l.captureDir ? { FEDRISK_CAPTURE_DIR: l.captureDir } : {},
        onEvent,
        l.gate,
      ),
    node: (l, onEvent) =>
      start(
        l.party,
        ['--config', l.configFile, '--coordinator', l.coordinatorUrl, '--log-file', l.logFile, '--log-level', l.logLevel],
        { FEDRISK_TOKEN: l.token, ...(l.captureDir ? { FEDRISK_CAPTURE_DIR: l.captureDir } : {}) },
        onEvent,
      ),
  };
}
