/**
 * How a run starts its participants. Two launchers run the same coordinator
 * and node code: as separate OS processes (what a deployment does, and the
 * default), or inside this process over real sockets (faster for tests and
 * small runs: no process start-up). Both report the same events and write the
 * same files.
 */
import type { ProcessEvent, StepGate } from '@fedrisk/shared';

export interface CoordinatorLaunch {
  configFile: string;
  recordFile: string;
  logFile: string;
  logLevel: string;
  captureDir?: string | undefined;
  /** a class follows the run (the live view): the coordinator waits here before each phase and message */
  gate?: StepGate | undefined;
}

export interface NodeLaunch {
  party: string;
  configFile: string;
  coordinatorUrl: string;
  token: string;
  logFile: string;
  logLevel: string;
  captureDir?: string | undefined;
}

export interface Participant {
  readonly name: string;
  /** resolves with the exit status: 0 ok, 1 its job failed, 2 it could not start; 128 + n when killed by signal n */
  readonly exited: Promise<number>;
  /** the signal that ended it, if one did (SIGKILL, ...) */
  readonly signal: string | undefined;
  /** what it reported when it could not go on */
  readonly lastFatal: { code: string; message: string } | undefined;
  /** the last lines it wrote to stderr (processes only) */
  stderrTail(): string;
  /** asks it to stop (it still writes its record), then forces it after a grace period */
  stop(graceMs?: number): Promise<void>;
  /** stop(): `await using` a participant never leaves it running */
  [Symbol.asyncDispose](): Promise<void>;
}

export type EventHandler = (participant: string, event: ProcessEvent) => void;

export interface Launcher {
  readonly kind: 'processes' | 'in-process' | 'namespaces';
  /** the names and addresses parties reach the coordinator at, which its TLS certificate names (default 127.0.0.1 and localhost) */
  readonly coordinatorHosts?: readonly string[];
  /** has a party make its own identity key in `file`; resolves with the public half (the runner never sees the secret) */
  keygen(party: string, file: string): Promise<string>;
  coordinator(launch: CoordinatorLaunch, onEvent: EventHandler): Participant;
  node(launch: NodeLaunch, onEvent: EventHandler): Participant;
  /**
   * Starts one more of each of these participants ("coordinator" or a party) ahead of a
   * job, so their start-up overlaps the runner's own work; the next job that starts one
   * takes the oldest. A standby knows nothing of any job until then (processes only).
   */
  standby?(names: readonly string[]): void;
  /** ends every standby no job took; idempotent */
  close?(): Promise<void>;
}

/** Stops every participant still running, in parallel. */
export async function stopAll(participants: readonly Participant[], graceMs?: number): Promise<void> {
  await Promise.all(participants.map((p) => p.stop(graceMs)));
}
