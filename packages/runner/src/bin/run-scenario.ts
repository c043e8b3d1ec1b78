#!/usr/bin/env -S npx tsx
/**
 * npm run scenario -- <scenario.yaml> [--trace] [--runs-dir runs] [--log-level info]
 * Exits 0 when the run succeeded and verified, 1 when it failed, 2 on a bad scenario or options.
 */
import { parseArgs } from 'node:util';
import { FedError, isFedError, loadScenario } from '@fedrisk/shared';
import { runScenario } from '../index.ts';

const USAGE = 'usage: npm run scenario -- <scenario.yaml> [--trace] [--runs-dir <dir>] [--log-level info|debug]';

async function main(): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  const parse = () =>
    parseArgs({
      allowPositionals: true,
      options: {
        trace: { type: 'boolean', default: false },
        'runs-dir': { type: 'string', default: 'runs' },
        'log-level': { type: 'string', default: 'info' },
        help: { type: 'boolean', default: false },
      },
    });
  try {
    parsed = parse();
  } catch (err) {
    throw new FedError('CONFIG_ERR_INVALID', `${(err as Error).message}\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const file = positionals[0];
  if (!file || positionals.length > 1) throw new FedError('CONFIG_ERR_INVALID', USAGE);
  const scenario = await loadScenario(file);
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const result = await runScenario({
    scenario,
    scenarioFile: file,
    runsDir: values['runs-dir'],
    trace: values.trace,
    logLevel: values['log-level'],
    signal: abort.signal,
    onLine: (line) => process.stdout.write(`${line}\n`),
  });
  return result.ok ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (isFedError(err)) process.stderr.write(`error ${err.code}: ${err.message}\n`);
    else process.stderr.write(`internal error: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exitCode = 2;
  },
);
