/**
 * The fedrisk command line as a process: arguments in, output to stdout and
 * stderr, Ctrl-C and SIGTERM stop the running command, the exit status out.
 * Shared by the fedrisk bin and the npm scripts that predate it.
 */
import { runCli } from '../cli/commands.ts';

export function runCliProcess(argv: readonly string[]): void {
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  void runCli(argv, {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    signal: abort.signal,
    execPath: process.execPath,
    cwd: process.cwd(),
    tty: process.stdout.isTTY === true,
  }).then((code) => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.exitCode = code;
  });
}
