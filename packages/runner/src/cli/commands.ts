/**
 * The fedrisk command: one table of subcommands and the dispatch. Adding a
 * subcommand is one entry in COMMANDS: either a spec and its action (fedrisk
 * parses and checks its command line and prints its help), or a script that
 * gets its arguments as they are.
 */
import { existsSync, readFileSync } from 'node:fs';
import { didYouMean, isFedError } from '@fedrisk/shared';
import { wrapLine } from '../text.ts';
import { type Args, type CliIo, type CommandSpec, commandHelp, EXIT, EXIT_HELP, parseCommandLine } from './args.ts';
import { auditCommand, auditSpec } from './audit.ts';
import { fitWeightsCommand, fitWeightsSpec } from './fit-weights.ts';
import { initCommand, initSpec } from './init.ts';
import { runCommand, runSpec } from './run.ts';
import { schemaCommand, schemaSpec } from './schema.ts';
import { REPO_ROOT, runScript, scriptPath, unavailable } from './script.ts';

export type Subcommand =
  | { name: string; summary: string; spec: CommandSpec; action(args: Args, io: CliIo): Promise<number> }
  /** a script run with the same Node.js; with a spec, fedrisk checks the arguments and prints the help, otherwise the script does */
  | { name: string; summary: string; script: string; spec?: CommandSpec };

const benchSpec: CommandSpec = {
  name: 'bench',
  summary:
    'measure: where npm start goes, 100,000-business scoring end to end, PSI, joint training, the defences, governance, threshold CKKS against Paillier, scale to 1,000,000; each against its baseline',
  usage: 'fedrisk bench [start] [scoring] [psi] [training] [defences] [governance] [paillier] [scale[:sizes]] [psi-1m]   (also: npm run bench -- ...)',
  description: 'Every figure is measured in the same run as its baseline (plaintext, or the raw X25519 rate). Takes minutes.',
  positionals: [
    {
      name: '[section ...]',
      help: 'the sections to run (default: all but scale and psi-1m): start, scoring, psi, training, defences, governance (the default job without governance, with the audit trail, with trail and authorisations), paillier (threshold CKKS throughput as a ratio to per-value Paillier on the default job), scale (scale:10000,100000 picks sizes), psi-1m',
      required: false,
      many: true,
      choices: ['start', 'scoring', 'psi', 'training', 'defences', 'governance', 'paillier', 'scale', 'scale:', 'psi-1m'],
    },
  ],
  options: {},
  exits: [[EXIT.failed, 'a benchmark run failed']],
};

export const COMMANDS: readonly Subcommand[] = [
  { name: 'run', summary: 'run a scenario end to end and print a summary', spec: runSpec, action: runCommand },
  {
    name: 'view',
    summary: 'replay a finished run in a browser, step by step, or write its report.html (a live run: run --view)',
    script: 'packages/runner/src/bin/view.ts',
  },
  { name: 'bench', summary: 'time scoring, PSI and training against their baselines', script: 'bench/run.ts', spec: benchSpec },
  { name: 'audit', summary: "verify a run folder's audit trails", spec: auditSpec, action: auditCommand },
  { name: 'fit-weights', summary: 'fit model weights in plaintext and print a model: block', spec: fitWeightsSpec, action: fitWeightsCommand },
  { name: 'init', summary: 'write a commented starter scenario (synthetic, or for your CSV)', spec: initSpec, action: initCommand },
  { name: 'schema', summary: 'write the scenario format as a JSON Schema for editors', spec: schemaSpec, action: schemaCommand },
];

export function version(): string {
  const pkg = JSON.parse(readFileSync(`${REPO_ROOT}package.json`, 'utf8')) as { version: string };
  return pkg.version;
}

function mainHelp(): string {
  const lines = [
    ...wrapLine(`fedrisk ${version()}: `, "federated SME credit scoring; the parties' records stay with them, scores are added up under CKKS encryption", 2),
    '',
    'Usage: fedrisk <command> [options]      (from the repository: npx fedrisk <command> ...)',
    '',
    'Commands:',
    ...COMMANDS.flatMap((c) => {
      const missing = 'script' in c && !existsSync(scriptPath(c.script)) ? ' (not available in this build)' : '';
      return wrapLine(`  ${c.name.padEnd(13)}`, `${c.summary}${missing}`, 15);
    }),
    '',
    'Options:',
    '  -h, --help   show this help; fedrisk <command> --help explains a command and all its options',
    '  --version    print the version',
    '',
    'Exit status:',
    '  0            success',
    '  1            run, bench, audit: a design failed, or a trail did not verify (the output says which)',
    ...EXIT_HELP.flatMap(([code, meaning]) => wrapLine(`  ${String(code).padEnd(13)}`, meaning, 15)),
    '',
    'The scenario format: docs/SCENARIOS.md. Error codes: docs/ERRORS.md.',
  ];
  return `${lines.join('\n')}\n`;
}

async function dispatch(argv: readonly string[], io: CliIo): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '-h' || first === '--help' || first === 'help') {
    io.out(mainHelp());
    return first === undefined ? EXIT.usage : EXIT.ok;
  }
  if (first === '--version' || first === '-v') {
    io.out(`fedrisk ${version()}\n`);
    return EXIT.ok;
  }
  const command = COMMANDS.find((c) => c.name === first);
  if (!command) {
    const names = COMMANDS.map((c) => c.name);
    const what = first.startsWith('-') ? 'option' : 'command';
    io.err(`error CONFIG_ERR_INVALID: unknown ${what} "${first}"${didYouMean(first, names)}; commands: ${names.join(', ')} (fedrisk --help)\n`);
    return EXIT.usage;
  }
  if ('script' in command) {
    const wantsHelp = rest.includes('-h') || rest.includes('--help');
    if (!command.spec) {
      if (wantsHelp && !existsSync(scriptPath(command.script))) {
        io.out(`fedrisk ${command.name}: ${command.summary}\n\nNot available in this build: ${command.script} is missing.\n`);
        return EXIT.ok;
      }
      return runScript(command.name, command.script, rest, io.execPath, io.signal);
    }
    const args = parseCommandLine(command.spec, rest);
    if (!args) {
      io.out(commandHelp(command.spec));
      return EXIT.ok;
    }
    if (!existsSync(scriptPath(command.script))) throw unavailable(command.name, command.script);
    return runScript(command.name, command.script, args.positionals, io.execPath, io.signal);
  }
  const args = parseCommandLine(command.spec, rest);
  if (!args) {
    io.out(commandHelp(command.spec));
    return EXIT.ok;
  }
  return command.action(args, io);
}

/** fedrisk's whole command line: resolves the exit status; a coded error is one line on stderr, anything else a bug with its stack. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (err) {
    if (isFedError(err)) {
      io.err(`error ${err.code}: ${err.message}\n`);
      return EXIT.usage;
    }
    io.err(`internal error: ${(err as Error)?.stack ?? String(err)}\n`);
    return EXIT.internal;
  }
}
