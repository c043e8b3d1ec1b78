/** The coordinator's public face: what it is made from, and what it offers. */
import type { coordinatorConfigSchema, EventSink, JobRecord, Logger, SealModule, StepGate } from '@fedrisk/shared';
import type { z } from 'zod';

export interface CoordinatorOptions {
  /** validated here: defaults are filled in, a bad field is a CONFIG_ERR_INVALID */
  config: z.input<typeof coordinatorConfigSchema>;
  seal: SealModule;
  logger: Logger;
  host?: string;
  /** 0 picks a free port */
  port?: number;
  clock?: () => number;
  onEvent?: EventSink;
  /** sees every raw frame the coordinator receives (privacy tests capture them) */
  onRawFrame?: (from: string, raw: Buffer) => void;
  /** TLS key and certificate (PEM text): the coordinator listens on wss:// */
  tls?: { key: string; cert: string } | undefined;
  /** governance: the coordinator's identity secret key (signs its audit trail) and the participants the regulator suspended */
  governance?: { identityKey: string; suspended: ReadonlySet<string>; now?: () => Date } | undefined;
  /** a class follows the run: the coordinator waits here before each phase and each message (hold.ts) */
  gate?: StepGate | undefined;
}

export interface Coordinator {
  start(): Promise<{ url: string; port: number }>;
  /** settles when the job ends, successfully or not; never rejects */
  readonly done: Promise<JobRecord>;
  /** ends the job if it still runs (telling every party), then closes every socket; idempotent */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}
