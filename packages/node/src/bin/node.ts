#!/usr/bin/env node
/**
 * Party node process. Reads its credential from FEDRISK_TOKEN (never from
 * argv, which other users can see), prints events as JSON lines on stdout,
 * writes summary.json (and scores.csv for the recipient) into its outDir, and
 * exits 0 when the job succeeded, 1 when it failed, 2 when it could not join.
 * SIGTERM and SIGINT make it leave the job, telling the coordinator, and
 * still write its summary.
 */
import { parseArgs } from 'node:util';
import type { ProcessEvent } from '@fedrisk/shared';
import { makeIdentity } from '../identity.ts';

const USAGE = `usage: FEDRISK_TOKEN=<credential> node --config <party.json> --coordinator <wss://host:port> [options]
       node --keygen <file>
  --keygen <file>       make this party's identity key in <file> (owner-only) and its public half in <file>.pub, then exit
  --config <file>       this party's config (nodeConfigSchema)
  --coordinator <url>   the coordinator, e.g. ws://127.0.0.1:4100
  --log-file <file>     log here instead of stderr (JSON lines; on a terminal, stderr gets readable lines)
  --log-level <level>   fatal, error, warn, info (default), debug, trace
  -h, --help            this text
       node --standby
  --standby             load, then wait for {"v":1,"argv":[...],"env":{"FEDRISK_TOKEN":...}} on stdin
                        and run as if started with those arguments and that environment (the runner
                        starts its participants ahead of their job this way)
The credential comes from the environment variable FEDRISK_TOKEN, never from the command line.`;

const emit = (e: ProcessEvent): void => {
  process.stdout.write(`${JSON.stringify(e)}\n`);
};

/** `--keygen <file>` alone: only the identity module is loaded, so a run's key-making processes start in tens of milliseconds. */
function keygenOnly(file: string): number {
  try {
    process.stdout.write(`${JSON.stringify({ publicKey: makeIdentity(file) })}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`node --keygen: cannot make the identity key ${file}: ${(err as Error).message}\n`);
    return 2;
  }
}

async function main(args: string[]): Promise<number> {
  const { FedError, logLevelOption } = await import('@fedrisk/shared');
  const { runNodeMain } = await import('../index.ts');
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        config: { type: 'string' },
        coordinator: { type: 'string' },
        'log-file': { type: 'string' },
        'log-level': { type: 'string', default: 'info' },
        help: { type: 'boolean', short: 'h', default: false },
        keygen: { type: 'string' },
      },
    }));
  } catch (err) {
    throw new FedError('CONFIG_ERR_INVALID', `${(err as Error).message}\n${USAGE}`);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (typeof values.keygen === 'string') {
    process.stdout.write(`${JSON.stringify({ publicKey: makeIdentity(values.keygen) })}\n`);
    return 0;
  }
  if (typeof values.config !== 'string' || typeof values.coordinator !== 'string') throw new FedError('CONFIG_ERR_INVALID', USAGE);
  const token = process.env.FEDRISK_TOKEN;
  if (!token) throw new FedError('CONFIG_ERR_INVALID', 'FEDRISK_TOKEN is not set: the node needs its credential');
  const level = logLevelOption(String(values['log-level']));
  const abort = new AbortController();
  const stop = () => abort.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return runNodeMain({
    configFile: values.config,
    coordinatorUrl: values.coordinator,
    token,
    logFile: values['log-file'] as string | undefined,
    // a person reading stderr in a terminal gets readable lines; a pipe or file gets JSON
    prettyLogs: process.stderr.isTTY === true,
    logLevel: level,
    onEvent: emit,
    signal: abort.signal,
    captureDir: process.env.FEDRISK_CAPTURE_DIR,
    crash: () => process.kill(process.pid, 'SIGKILL'),
  });
}

/** `--standby`: everything loaded first, then the job's arguments and credential from stdin; nothing to do if stdin ends first. */
async function standby(): Promise<number> {
  const [{ readStandbyStart }] = await Promise.all([import('@fedrisk/shared'), import('../index.ts')]);
  emit({ event: 'standby' });
  const start = await readStandbyStart(process.stdin);
  process.stdin.destroy(); // a node reads nothing more from the runner
  if (!start) return 0;
  Object.assign(process.env, start.env);
  return main(start.argv);
}

const [first, file, ...rest] = process.argv.slice(2);
if (first === '--keygen' && file && !file.startsWith('-') && !rest.length) process.exitCode = keygenOnly(file);
else
  (first === '--standby' && file === undefined ? standby() : main(process.argv.slice(2))).then(
    (code) => {
      process.exitCode = code;
    },
    async (err: unknown) => {
      const { describeFatal } = await import('@fedrisk/shared');
      const { event, line } = describeFatal('node', err);
      emit(event);
      process.stderr.write(line);
      process.exitCode = 2;
    },
  );
