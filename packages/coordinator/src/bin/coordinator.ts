#!/usr/bin/env node
/**
 * Coordinator process. Prints events as JSON lines on stdout, logs to stderr
 * or --log-file, writes the job record to --record, and exits 0 when the job
 * succeeded, 1 when it failed, 2 on bad start-up options. SIGTERM and SIGINT
 * end the job as aborted: every party is told and the record is written.
 */
import { parseArgs } from 'node:util';
import { describeFatal, FedError, logLevelOption, type ProcessEvent, readStandbyStart } from '@fedrisk/shared';
import { createStepChannel, runCoordinatorMain } from '../index.ts';

const USAGE = `usage: coordinator --config <file.json> [options]
  --config <file>       the coordinator's config (coordinatorConfigSchema)
  --host <address>      address to listen on (default 127.0.0.1; 0.0.0.0 for other hosts)
  --port <n>            port to listen on, 0 for any free one (default 0)
  --record <file>       where to write the job record
  --log-file <file>     log here instead of stderr (JSON lines; on a terminal, stderr gets readable lines)
  --log-level <level>   fatal, error, warn, info (default), debug, trace
  --step                hold the protocol before each phase and message until {"go":<id>} arrives on
                        stdin for the {"event":"step","id":<id>} line on stdout (the runner's live view);
                        timeouts stand still while held; if stdin ends, nothing is held
  --standby             (alone) load, then wait for {"v":1,"argv":[...],"env":{...}} on stdin and run as
                        if started with those arguments (the runner starts its participants ahead of
                        their job this way); with --step, the go lines follow on stdin
  -h, --help            this text

Events are JSON lines on stdout. Exit status: 0 the job succeeded, 1 it failed, 2 bad options.`;

const emit = (e: ProcessEvent): void => {
  process.stdout.write(`${JSON.stringify(e)}\n`);
};

async function main(args: string[]): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        config: { type: 'string' },
        host: { type: 'string', default: '127.0.0.1' },
        port: { type: 'string', default: '0' },
        record: { type: 'string' },
        'log-file': { type: 'string' },
        'log-level': { type: 'string', default: 'info' },
        step: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    throw new FedError('CONFIG_ERR_INVALID', `${(err as Error).message}\n${USAGE}`);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (typeof values.config !== 'string') throw new FedError('CONFIG_ERR_INVALID', USAGE);
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new FedError('CONFIG_ERR_INVALID', `--port must be 0..65535, got ${values.port}`);
  const level = logLevelOption(String(values['log-level']));
  const abort = new AbortController();
  const stop = () => abort.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const channel = values.step ? createStepChannel(process.stdin, emit) : undefined;
  return runCoordinatorMain({
    configFile: values.config,
    host: String(values.host),
    port,
    recordFile: values.record as string | undefined,
    logFile: values['log-file'] as string | undefined,
    // a person reading stderr in a terminal gets readable lines; a pipe or file gets JSON
    prettyLogs: process.stderr.isTTY === true,
    logLevel: level,
    onEvent: emit,
    signal: abort.signal,
    captureDir: process.env.FEDRISK_CAPTURE_DIR,
    gate: channel?.gate,
  }).finally(() => channel?.close());
}

/** `--standby`: loaded already (static imports); the job's arguments arrive on stdin; nothing to do if stdin ends first. */
async function standby(): Promise<number> {
  emit({ event: 'standby' });
  const start = await readStandbyStart(process.stdin);
  if (!start) return 0;
  Object.assign(process.env, start.env);
  // only a held run (--step) reads stdin further: its go lines
  if (!start.argv.includes('--step')) process.stdin.destroy();
  return main(start.argv);
}

const cli = process.argv.slice(2);
(cli.length === 1 && cli[0] === '--standby' ? standby() : main(cli)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const { event, line } = describeFatal('coordinator', err);
    emit(event);
    process.stderr.write(line);
    process.exitCode = 2;
  },
);
