/**
 * Subcommands that are scripts of their own (the live view, the benchmark):
 * fedrisk runs them with the same Node.js and passes their arguments on. A
 * script this build lacks is a coded error.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FedError } from '@fedrisk/shared';
import { EXIT } from './args.ts';

/** The repository's root folder (where package.json is). */
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

export function scriptPath(script: string): string {
  return fileURLToPath(new URL(script, `file://${REPO_ROOT}`));
}

export function unavailable(name: string, script: string): FedError {
  return new FedError('CONFIG_ERR_UNAVAILABLE', `fedrisk ${name} is not available in this build: ${script} is missing`);
}

/** Runs a script with the given Node.js, its output going straight to ours; resolves its exit status. */
export async function runScript(name: string, script: string, argv: readonly string[], execPath: string, signal?: AbortSignal): Promise<number> {
  const path = scriptPath(script);
  if (!existsSync(path)) throw unavailable(name, script);
  const child = spawn(execPath, [path, ...argv], { stdio: 'inherit' });
  const stop = () => child.kill('SIGTERM');
  signal?.addEventListener('abort', stop, { once: true });
  try {
    const [code, sig] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
    if (signal?.aborted) return EXIT.interrupted;
    return code ?? (sig === 'SIGINT' ? EXIT.interrupted : EXIT.failed);
  } finally {
    signal?.removeEventListener('abort', stop);
  }
}
