#!/usr/bin/env -S npx tsx
/**
 * Coordinator process. Prints events as JSON lines on stdout, logs to stderr
 * or --log-file, writes the job record to --record, and exits 0 when the job
 * succeeded, 1 when it failed, 2 on bad start-up options.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { coordinatorConfigSchema, createLogger, describeFatal, FedError, loadSeal, type ProcessEvent, readJsonConfig } from '@fedrisk/shared';
import { createCoordinator } from '../index.ts';

const emit = (e: ProcessEvent): void => {
  process.stdout.write(`${JSON.stringify(e)}\n`);
};

async function main(): Promise<number> {
  let args: ReturnType<typeof parse>;
  const parse = () =>
    parseArgs({
      options: {
        config: { type: 'string' },
        host: { type: 'string', default: '127.0.0.1' },
        port: { type: 'string', default: '0' },
        record: { type: 'string' },
        'log-file': { type: 'string' },
        'log-level': { type: 'string', default: 'info' },
      },
    });
  try {
    args = parse();
  } catch (err) {
    throw new FedError('CONFIG_ERR_INVALID', (err as Error).message);
  }
  const { values } = args;
  if (!values.config)
    throw new FedError(
      'CONFIG_ERR_INVALID',
      'usage: coordinator --config <file.json> [--host 127.0.0.1] [--port 0] [--record <job-record.json>] [--log-file <file>]',
    );
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new FedError('CONFIG_ERR_INVALID', `--port must be 0..65535, got ${values.port}`);
  const config = await readJsonConfig(values.config, coordinatorConfigSchema, 'coordinator config');
  const logger = createLogger({
    name: 'coordinator',
    level: values['log-level'],
    ...(values['log-file'] ? { file: values['log-file'] } : {}),
  });
  const captureDir = process.env.FEDRISK_CAPTURE_DIR;
  let frameNo = 0;
  if (captureDir) mkdirSync(captureDir, { recursive: true });
  const seal = await loadSeal();
  const coordinator = createCoordinator({
    config,
    seal,
    logger,
    host: values.host,
    port,
    onEvent: emit,
    ...(captureDir ? { onRawFrame: (from: string, raw: Buffer) => writeFileSync(join(captureDir, `to-coordinator-from-${from}-${++frameNo}.bin`), raw) } : {}),
  });
  const stop = () => void coordinator.close();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await coordinator.start();
  const record = await coordinator.done;
  await coordinator.close();
  if (values.record) writeFileSync(values.record, `${JSON.stringify(record, null, 2)}\n`);
  return record.ok ? 0 : 1;
}

main().then(
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
