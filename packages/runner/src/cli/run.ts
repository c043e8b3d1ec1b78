/** fedrisk run: a scenario end to end, with a summary; the exit status says whether every design succeeded. */
import { resolve } from 'node:path';
import { didYouMean, LOG_LEVELS, loadScenario } from '@fedrisk/shared';
import { MESSAGE_KINDS, MESSAGE_TYPES } from '../progress.ts';
import { runScenario } from '../run.ts';
import { type Args, type CliIo, type CommandSpec, EXIT, usageError } from './args.ts';
import { createProgressBars } from './progress-bar.ts';
import { VIEW_OPTIONS, wantsView, withLiveView } from './run-view.ts';

export const runSpec: CommandSpec = {
  name: 'run',
  summary: 'run a scenario end to end: make or split the data, train if it says so, score under every key design, verify as referee, summarise',
  usage: 'fedrisk run <scenario.yaml> [options]   (also: npm run scenario -- <scenario.yaml> [options])',
  description:
    "Each run writes a folder <runs-dir>/<time>-<name>/ with report.json, every party's own data and outputs, each job's trace.jsonl and logs; <runs-dir>/latest/report.json is the last run's report. docs/SCENARIOS.md describes the scenario format.",
  positionals: [{ name: '<scenario.yaml>', help: 'the scenario file', required: true }],
  options: {
    trace: { kind: 'flag', help: 'print every protocol message as it crosses the coordinator: time, sender, receiver, type and what it carries' },
    'trace-party': {
      kind: 'list',
      value: '<ids>',
      help: 'print only messages sent or received by these participants: party ids of the scenario, or coordinator; comma-separated; implies --trace; with --trace-kind, a message must match both',
    },
    'trace-kind': {
      kind: 'list',
      value: '<kinds>',
      help: `print only messages of these kinds: a message type (decrypt.share) or its family (${[...new Set(MESSAGE_TYPES.map((t) => t.split('.')[0]))].join(', ')}); comma-separated; implies --trace`,
      choices: MESSAGE_KINDS,
    },
    'runs-dir': { kind: 'string', value: '<dir>', help: 'the folder that receives the run folder', default: 'runs' },
    'log-level': { kind: 'string', value: '<level>', help: "the level of each participant's log in the run folder", choices: LOG_LEVELS, default: 'info' },
    launcher: {
      kind: 'string',
      value: '<how>',
      help: 'how participants run: processes (each its own OS process, as a deployment) or in-process (all in this process over real sockets; quicker to start)',
      choices: ['processes', 'in-process'],
      default: 'processes',
    },
    ...VIEW_OPTIONS,
  },
  exits: [
    [EXIT.failed, 'the run finished but a design failed or did not verify: a FAILED line in the summary names it and its error code'],
    [EXIT.interrupted, 'interrupted (Ctrl-C): the participants were stopped'],
  ],
};

export async function runCommand(args: Args, io: CliIo): Promise<number> {
  const file = args.positionals[0] as string;
  const scenario = await loadScenario(resolve(io.cwd, file), file);
  const participants = args.list('trace-party');
  const known = ['coordinator', ...scenario.parties.map((p) => p.id)];
  for (const p of participants ?? [])
    if (!known.includes(p))
      throw usageError(runSpec, `--trace-party: "${p}" is not a participant of ${file}${didYouMean(p, known)}; choose from ${known.join(', ')}`);
  const kinds = args.list('trace-kind');
  const trace = participants || kinds ? { participants, kinds } : args.flag('trace');
  // a terminal gets progress bars for long steps; a file or a pipe gets plain lines
  const bars = io.tty ? createProgressBars(io.out) : undefined;
  let interrupted = false;
  io.signal?.addEventListener('abort', () => {
    interrupted = true;
  });
  const run = (view?: Parameters<typeof runScenario>[0]['view']) =>
    runScenario({
      ...(view ? { view } : {}),
      scenario,
      scenarioFile: resolve(io.cwd, file),
      runsDir: resolve(io.cwd, args.string('runs-dir') as string),
      trace,
      logLevel: args.string('log-level') as string,
      launcher: args.string('launcher') as 'processes' | 'in-process',
      signal: io.signal,
      onLine: (line) => (bars ? bars.line(line) : io.out(`${line}\n`)),
      ...(bars ? { onProgress: bars.progress } : {}),
    });
  // interrupted while the run went on, not while the live view stayed up afterwards
  let finished = false;
  let result: Awaited<ReturnType<typeof run>>;
  try {
    result = wantsView(args)
      ? await withLiveView(args, io, async (view) => {
          const r = await run(view);
          finished = !interrupted;
          return r;
        })
      : await run();
  } finally {
    bars?.close();
  }
  if (interrupted && !finished) return EXIT.interrupted;
  return result.ok ? EXIT.ok : EXIT.failed;
}
