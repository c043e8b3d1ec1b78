/**
 * Runs one job: writes its configs, starts the coordinator and one
 * participant per party, follows them until the job ends (or a participant
 * fails, or the run is stopped), stops whatever still runs, and reads back
 * what each wrote, through the files' schemas.
 */
import { join } from 'node:path';
import {
  asFedError,
  FedError,
  type JobKind,
  type JobRecord,
  jobRecordSchema,
  type KeysDesign,
  type PartySummary,
  type ProcessEvent,
  partySummarySchema,
  readJsonFile,
  type Scenario,
  type StepGate,
  writePrivateFile,
} from '@fedrisk/shared';
import type { RunGovernance } from './governance/prepare.ts';
import { type JobFiles, type JobSpec, jobName, type RunTrust, writeJobConfigs } from './job-config.ts';
import { type Launcher, type Participant, stopAll } from './launch/launcher.ts';
import type { Prepared } from './prepare.ts';
import { createProgress, type ProgressSink, type TraceFilter } from './progress.ts';

/** What follows a job as it runs (the live view, view/live.ts): every event, and the coordinator waits at its gate. */
export interface JobObserver {
  /** the coordinator's gate */
  readonly gate: StepGate;
  /** a participant's event, as its launcher reports it */
  onEvent(participant: string, e: ProcessEvent): void;
  /** a job starts: its name (design, or training) and what the design says each participant will hold */
  beginJob(job: { name: string; kind: JobKind; keys: KeysDesign; rows: ReadonlyMap<string, number> }): void;
  /** milliseconds the run has spent held so far (the runner's own deadline does not count them) */
  heldMs(): number;
}

export interface RunJobOptions {
  launcher: Launcher;
  trace: boolean | TraceFilter;
  captureFrames: boolean;
  logLevel: string;
  signal?: AbortSignal | undefined;
  say: (line: string) => void;
  /** long steps' progress, for a terminal's progress bar (otherwise plain lines) */
  onProgress?: ProgressSink | undefined;
  /** the live view follows the run: it gets every event, and the coordinator waits at its gate */
  live?: JobObserver | undefined;
}

export interface JobRun {
  spec: JobSpec;
  files: JobFiles;
  failure: FedError | undefined;
  record: JobRecord | undefined;
  summaries: Map<string, PartySummary>;
  jobMs: number;
  afterJoinMs: number;
  /** the run's governance, when the scenario keeps audit trails */
  governance?: RunGovernance | undefined;
}

/** How long a job may take in all: every timeout the scenario allows, and a margin. */
function runDeadline(s: Scenario): number {
  return s.timeouts.joinMs + 6 * s.timeouts.phaseMs + 30_000;
}

function readOrUndefined<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

/** Why a participant ended, in words: its own fatal error, the signal that killed it, or its exit status. */
function endedBecause(p: Participant, status: number): string {
  if (p.lastFatal) return `it reported ${p.lastFatal.code}: ${p.lastFatal.message}`;
  if (p.signal) return `it was killed by ${p.signal}`;
  const tail = p.stderrTail();
  return tail ? `it exited with status ${status}: ${tail.split('\n').slice(-3).join(' | ')}` : `it exited with status ${status}`;
}

export async function runJob(scenario: Scenario, prep: Prepared, spec: JobSpec, trust: RunTrust, o: RunJobOptions): Promise<JobRun> {
  const files = writeJobConfigs(scenario, prep, spec, trust);
  const progress = createProgress(o.say, o.trace, o.onProgress);
  const live = o.live;
  live?.beginJob({ name: jobName(spec), kind: spec.kind, keys: spec.keys, rows: prep.rows });
  const onEvent = live
    ? (name: string, e: Parameters<typeof progress.onEvent>[1]) => {
        progress.onEvent(name, e);
        live.onEvent(name, e);
      }
    : progress.onEvent;
  const captureDir = o.captureFrames ? join(files.jobDir, 'capture') : undefined;
  const tj = performance.now();
  let failure: FedError | undefined;
  const coordinator = o.launcher.coordinator(
    {
      configFile: files.coordinatorConfig,
      recordFile: files.recordFile,
      logFile: join(files.logDir, 'coordinator.log'),
      logLevel: o.logLevel,
      captureDir,
      gate: live?.gate,
    },
    onEvent,
  );
  const nodes: Participant[] = [];
  const everyone = () => [coordinator, ...nodes];
  let deadline: NodeJS.Timeout | undefined;
  const onAbort = () => {
    failure ??= new FedError('JOB_ERR_ABORTED', 'the run was interrupted');
    void stopAll(everyone());
  };
  o.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const url = await Promise.race([
      progress.listening,
      coordinator.exited.then((status) => {
        throw new FedError('RUN_ERR_PROCESS', `the coordinator ended before listening: ${endedBecause(coordinator, status)}`);
      }),
    ]);
    o.say(`  start     coordinator listening on ${url}`);
    for (const p of scenario.parties) {
      nodes.push(
        o.launcher.node(
          {
            party: p.id,
            configFile: files.nodeConfig(p.id),
            coordinatorUrl: url,
            token: files.tokens.get(p.id) as string,
            logFile: join(files.logDir, `${p.id}.log`),
            logLevel: o.logLevel,
            captureDir,
          },
          onEvent,
        ),
      );
    }
    // a node that cannot join (bad data, refused credential) ends with status 2 before the coordinator ever sees it
    const cannotJoin = Promise.race(nodes.map(async (n) => ((await n.exited) === 2 ? n : new Promise<never>(() => {}))));
    // every node gone while the coordinator still runs: it has stopped answering them
    const nodesGone = Promise.all(nodes.map((n) => n.exited));
    // time a class spends holding the run (the live view) does not count against it
    let credited = live?.heldMs() ?? 0;
    const timeout = new Promise<'timeout'>((r) => {
      const arm = (ms: number) => {
        deadline = setTimeout(() => {
          const extra = (live?.heldMs() ?? 0) - credited;
          credited += extra;
          if (extra > 0) arm(extra);
          else r('timeout');
        }, ms);
      };
      arm(runDeadline(scenario));
    });
    const first = await Promise.race([coordinator.exited.then(() => 'coordinator' as const), cannotJoin, nodesGone.then(() => 'nodes' as const), timeout]);
    if (first === 'timeout') {
      failure = new FedError('RUN_ERR_TIMEOUT', `the run did not finish within ${runDeadline(scenario)} ms`);
    } else if (first === 'nodes') {
      // give a live coordinator a moment to write its record after its parties left
      const settled = await Promise.race([coordinator.exited.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 2000).unref())]);
      if (!settled) {
        const said = nodes.map(
          (n) =>
            `${n.name}: ${readOrUndefined(() => readJsonFile(join(files.partyDir(n.name), 'out', 'summary.json'), partySummarySchema, 'summary'))?.error?.message ?? 'no summary'}`,
        );
        failure = new FedError('RUN_ERR_PROCESS', `the coordinator stopped answering: every party left while it still ran (${said.join('; ')})`, {
          details: { participant: 'coordinator' },
        });
        // a hung process does not answer SIGTERM: no long grace
        await coordinator.stop(500);
      }
    } else if (typeof first === 'object') {
      failure = new FedError(
        (first.lastFatal?.code as FedError['code']) ?? 'RUN_ERR_PROCESS',
        `party ${first.name} could not join: ${first.lastFatal?.message ?? endedBecause(first, 2)}`,
        {
          details: { party: first.name },
        },
      );
      o.say(`  stop      ${first.name} could not join; stopping this job`);
    }
    if (failure) await stopAll(everyone());
    else {
      // the coordinator has ended the job; nodes leave on job.end
      const settle = setTimeout(() => void stopAll(nodes), 10_000);
      await Promise.all(nodes.map((n) => n.exited));
      clearTimeout(settle);
    }
  } catch (err) {
    failure ??= asFedError(err, 'RUN_ERR_PROCESS');
    await stopAll(everyone());
  } finally {
    clearTimeout(deadline);
    o.signal?.removeEventListener('abort', onAbort);
  }
  const end = performance.now();
  writePrivateFile(join(files.jobDir, 'trace.jsonl'), progress.trace.length ? `${progress.trace.join('\n')}\n` : '');

  let record: JobRecord | undefined;
  try {
    record = readJsonFile(files.recordFile, jobRecordSchema, 'job record');
  } catch (err) {
    if (!failure) {
      const status = await coordinator.exited;
      failure = new FedError('RUN_ERR_PROCESS', `the coordinator wrote no job record: ${endedBecause(coordinator, status)}`, { cause: err });
    }
  }
  if (!failure && record && !record.ok && record.error)
    failure = new FedError(record.error.code, record.error.message, record.error.details ? { details: record.error.details } : {});
  const summaries = new Map<string, PartySummary>();
  for (const p of scenario.parties) {
    const s = readOrUndefined(() => readJsonFile(join(files.partyDir(p.id), 'out', 'summary.json'), partySummarySchema, `${p.id}'s summary`));
    if (s) summaries.set(p.id, s);
  }
  // a party that left because it refused something: its own error says what
  const named = failure?.details?.party;
  const own = typeof named === 'string' ? summaries.get(named)?.error : undefined;
  if (failure && own && !failure.message.includes(own.message)) {
    failure = new FedError(failure.code, `${failure.message}; ${named}'s own error: ${own.code}: ${own.message}`, { details: failure.details ?? {} });
  }
  return {
    spec,
    files,
    failure,
    record,
    summaries,
    jobMs: end - tj,
    afterJoinMs: progress.joinedAt ? end - progress.joinedAt : 0,
    ...(trust.governance ? { governance: trust.governance } : {}),
  };
}
