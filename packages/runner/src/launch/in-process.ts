/**
 * Participants inside this process: the same coordinator and node code the
 * processes run (runCoordinatorMain, runNodeMain), one SEAL instance for all
 * of them, a logger each and real sockets on 127.0.0.1. Stopping one aborts it,
 * which ends its job the way SIGTERM does; a scenario's crash fault drops the
 * party's connection without a word, as a killed process would.
 */
import { runCoordinatorMain } from '@fedrisk/coordinator';
import { makeIdentity, runNodeMain } from '@fedrisk/node';
import { closeLogger, createLogger, describeFatal, loadSeal, type SealModule } from '@fedrisk/shared';
import type { EventHandler, Launcher, Participant } from './launcher.ts';

const SIGKILL_STATUS = 137;

function participant(name: string, onEvent: EventHandler, run: (signal: AbortSignal, crashed: () => void) => Promise<number>): Participant {
  const abort = new AbortController();
  let lastFatal: { code: string; message: string } | undefined;
  let signal: string | undefined;
  let crash!: () => void;
  const crashed = new Promise<number>((resolve) => {
    crash = () => {
      signal = 'SIGKILL';
      resolve(SIGKILL_STATUS);
    };
  });
  const exited = Promise.race([
    run(abort.signal, crash).catch((err: unknown) => {
      const { event } = describeFatal(name, err);
      if (event.event === 'fatal') lastFatal = { code: event.code, message: event.message };
      onEvent(name, event);
      return 2;
    }),
    crashed,
  ]);
  const stop = async (): Promise<void> => {
    abort.abort();
    await exited;
  };
  return {
    name,
    exited,
    get signal() {
      return signal;
    },
    get lastFatal() {
      return lastFatal;
    },
    stderrTail: () => '',
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

export interface InProcessOptions {
  /**
   * the SEAL instance the participants use (default: one of its own). Launchers given the same one share the
   * CKKS contexts it keeps, one per parameter set used, kept as long as the instance: a few MB each at N = 8192
   */
  seal?: Promise<SealModule>;
}

export function inProcessLauncher(opts: InProcessOptions = {}): Launcher {
  // one SEAL instance for every participant here: contexts built from it are shared too
  let seal = opts.seal;
  const sealOnce = () => {
    seal ??= loadSeal();
    return seal;
  };
  return {
    kind: 'in-process',
    keygen: async (_party, file) => makeIdentity(file),
    coordinator: (l, onEvent) =>
      participant('coordinator', onEvent, async (signal) => {
        const logger = createLogger({ name: 'coordinator', level: l.logLevel, file: l.logFile });
        try {
          return await runCoordinatorMain({
            seal: await sealOnce(),
            configFile: l.configFile,
            host: '127.0.0.1',
            port: 0,
            recordFile: l.recordFile,
            logLevel: l.logLevel,
            logger,
            onEvent: (e) => onEvent('coordinator', e),
            signal,
            captureDir: l.captureDir,
            gate: l.gate,
          });
        } finally {
          closeLogger(logger);
        }
      }),
    node: (l, onEvent) =>
      participant(l.party, onEvent, async (signal, crashed) => {
        const logger = createLogger({ name: l.party, level: l.logLevel, file: l.logFile });
        try {
          return await runNodeMain({
            seal: await sealOnce(),
            configFile: l.configFile,
            coordinatorUrl: l.coordinatorUrl,
            token: l.token,
            logLevel: l.logLevel,
            logger,
            onEvent: (e) => onEvent(l.party, e),
            signal,
            captureDir: l.captureDir,
            crash: crashed,
          });
        } finally {
          closeLogger(logger);
        }
      }),
  };
}
