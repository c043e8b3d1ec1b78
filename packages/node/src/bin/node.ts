#!/usr/bin/env -S npx tsx
/**
 * Party node process. Reads its credential from FEDRISK_TOKEN (never from
 * argv, which other users can see), prints events as JSON lines on stdout,
 * writes summary.json (and scores.csv for the recipient) into its outDir, and
 * exits 0 when the job succeeded, 1 when it failed, 2 when it could not join.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createLogger, describeFatal, FedError, loadSeal, nodeConfigSchema, type ProcessEvent, readJsonConfig } from '@fedrisk/shared';
import { createNode, type NodeOutcome } from '../index.ts';

const emit = (e: ProcessEvent): void => {
  process.stdout.write(`${JSON.stringify(e)}\n`);
};

function writeOutputs(outDir: string, outcome: NodeOutcome): void {
  mkdirSync(outDir, { recursive: true });
  const { scores, trainedModel, ...summary } = outcome;
  writeFileSync(join(outDir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  // a party's trained weights stay in its own folder; its next job reads them from there
  if (trainedModel) writeFileSync(join(outDir, 'model.json'), `${JSON.stringify(trainedModel, null, 2)}\n`);
  if (scores) {
    const lines = ['business_id,logit,pd,score,grade', ...scores.map((s) => `${s.id},${s.logit},${s.pd},${s.score.toFixed(2)},${s.grade}`)];
    writeFileSync(join(outDir, 'scores.csv'), `${lines.join('\n')}\n`);
  }
}

async function main(): Promise<number> {
  let values: { config?: string; coordinator?: string; 'log-file'?: string; 'log-level'?: string };
  try {
    ({ values } = parseArgs({
      options: {
        config: { type: 'string' },
        coordinator: { type: 'string' },
        'log-file': { type: 'string' },
        'log-level': { type: 'string', default: 'info' },
      },
    }));
  } catch (err) {
    throw new FedError('CONFIG_ERR_INVALID', (err as Error).message);
  }
  if (!values.config || !values.coordinator) {
    throw new FedError('CONFIG_ERR_INVALID', 'usage: FEDRISK_TOKEN=<credential> node --config <party.json> --coordinator ws://host:port [--log-file <file>]');
  }
  const token = process.env.FEDRISK_TOKEN;
  if (!token) throw new FedError('CONFIG_ERR_INVALID', 'FEDRISK_TOKEN is not set: the node needs its credential');
  const config = await readJsonConfig(values.config, nodeConfigSchema, 'node config');
  const logger = createLogger({ name: config.party, level: values['log-level'] ?? 'info', ...(values['log-file'] ? { file: values['log-file'] } : {}) });
  const captureDir = process.env.FEDRISK_CAPTURE_DIR;
  let frameNo = 0;
  if (captureDir) mkdirSync(captureDir, { recursive: true });
  const seal = await loadSeal();
  const node = createNode({
    config,
    url: values.coordinator,
    token,
    seal,
    logger,
    onEvent: emit,
    ...(captureDir ? { onRawFrame: (raw: Buffer) => writeFileSync(join(captureDir, `to-${config.party}-${++frameNo}.bin`), raw) } : {}),
    onFaultPoint: (point) => {
      if (config.fault?.crashAt === point) {
        logger.warn({ point }, 'fault injection: crashing now');
        process.kill(process.pid, 'SIGKILL');
      }
    },
  });
  const stop = () => void node.close();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await node.start();
  } catch (err) {
    await node.close();
    throw err;
  }
  const outcome = await node.done;
  await node.close();
  writeOutputs(config.outDir, outcome);
  return outcome.ok ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const { event, line } = describeFatal('node', err);
    emit(event);
    process.stderr.write(line);
    process.exitCode = 2;
  },
);
