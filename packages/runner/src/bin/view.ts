#!/usr/bin/env -S npx tsx
/**
 * Shows a finished run: replays it in the live view (a page on 127.0.0.1),
 * or writes its self-contained report.html.
 *
 *   view <run folder> [--port 0] [--step] [--speed 1] [--lang zh|en] [--job threshold]... [--autoplay]
 *   view <run folder> --html [--out report.html] [--lang zh|en]
 *
 * Exits 0 when done (the view: on Ctrl-C), 2 on bad options or an unreadable run folder.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writePrivateFile } from '@fedrisk/shared';
import { replayRun } from '../view/replay.ts';
import { renderReportHtml } from '../view/report-html.ts';
import { loadReportInput } from '../view/run-data.ts';
import { createViewServer } from '../view/server.ts';

const USAGE = `usage: view <run folder> [options]

Replays a finished run in the browser: one lane per participant, each message
as an arrow, the phases, and what each participant holds and has received.
The replay starts paused; press "resume" (or "step" then "next") in the page.

  --port <n>        port on 127.0.0.1 (default: a free one)
  --step            start in step mode: one message per "next"
  --speed <x>       speed multiplier, 0.0625 to 64 (default 1: 100 ms per message)
  --lang zh|en      page language (default zh)
  --job <name>      replay only this job (a folder under jobs/: training, threshold, single-holder, plaintext, paillier, ...); may repeat
  --autoplay        start playing at once instead of paused
  --html            write the run's self-contained report.html instead, and exit
  --out <file>      where --html writes (default <run folder>/report.html)
  --help            this text
`;

class UsageError extends Error {}

function options() {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        port: { type: 'string', default: '0' },
        step: { type: 'boolean', default: false },
        speed: { type: 'string', default: '1' },
        lang: { type: 'string', default: 'zh' },
        job: { type: 'string', multiple: true },
        autoplay: { type: 'boolean', default: false },
        html: { type: 'boolean', default: false },
        out: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

async function main(): Promise<number> {
  const { values, positionals } = options();
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  let runDir = positionals[0];
  if (!runDir || positionals.length > 1) throw new UsageError('name one run folder, for example runs/latest');
  // runs/latest holds a copy of the last report and, in RUN, the name of its folder
  if (existsSync(join(runDir, 'RUN'))) runDir = join(runDir, '..', readFileSync(join(runDir, 'RUN'), 'utf8').trim());
  if (!existsSync(join(runDir, 'report.json'))) throw new UsageError(`${runDir} holds no report.json`);
  const lang = values.lang;
  if (lang !== 'zh' && lang !== 'en') throw new UsageError('--lang must be zh or en');
  const port = Number(values.port);
  const speed = Number(values.speed);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port must be a port number');
  if (!Number.isFinite(speed) || speed <= 0) throw new UsageError('--speed must be a positive number');

  if (values.html) {
    const out = resolve(values.out ?? join(runDir, 'report.html'));
    // owner-only: the page carries an example notice with a business id and each party's own values
    writePrivateFile(out, renderReportHtml({ ...(await loadReportInput(runDir)), lang }));
    process.stdout.write(`${out}\n`);
    return 0;
  }

  const server = createViewServer({ port, stepper: { mode: values.step ? 'step' : 'run', speed, paused: !values.autoplay } });
  const { url } = await server.start();
  process.stdout.write(`view: ${url}${lang === 'en' ? '?lang=en' : ''}\n`);
  if (!values.autoplay) process.stdout.write('view: paused; press resume (or step, then next) in the page. Ctrl-C to stop.\n');
  const abort = new AbortController();
  const stop = new Promise<void>((done) => {
    const onSignal = () => {
      abort.abort();
      done();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
  const replay = replayRun(runDir, server, { signal: abort.signal, ...(values.job ? { jobs: values.job } : {}) }).then(() => {
    if (!abort.signal.aborted) process.stdout.write('view: replay finished; the page stays up until Ctrl-C\n');
  });
  await stop;
  await server.close();
  await replay;
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) process.stderr.write(`view: ${err.message}\n\n${USAGE}`);
    else process.stderr.write(`view: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exitCode = 2;
  },
);
