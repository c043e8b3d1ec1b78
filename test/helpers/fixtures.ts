/** Test fixtures: temporary folders that remove themselves, and small scenarios. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inProcessLauncher, type Launcher } from '@fedrisk/runner';
import { loadScenario, loadSeal, type Scenario, type SealModule } from '@fedrisk/shared';

const perTest: string[] = [];
const perFile: string[] = [];
const removeAll = (dirs: string[]) => {
  while (dirs.length) rmSync(dirs.pop() as string, { recursive: true, force: true });
};
/** Run after each test and after each file by test/setup.ts (a setup file runs for every test file, even when modules are shared between files). */
export const removeTestDirs = (): void => removeAll(perTest);
export const removeFileDirs = (): void => removeAll(perFile);

/** A fresh temporary folder, removed after the current test. */
export function tempDir(prefix = 'fedrisk-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  perTest.push(dir);
  return dir;
}

/** A fresh temporary folder for a whole test file (made in beforeAll), removed after the file. */
export function fileTempDir(prefix = 'fedrisk-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  perFile.push(dir);
  return dir;
}

export const DEFAULT_SCENARIO = new URL('../../scenarios/default.yaml', import.meta.url).pathname;

/** The default scenario, shrunk so an end-to-end run takes seconds. */
export async function smallScenario(change: (s: Scenario) => void = () => {}): Promise<Scenario> {
  const s = await loadScenario(DEFAULT_SCENARIO);
  s.name = 'e2e-small';
  if (s.data.kind === 'synthetic') s.data.businesses = 3000;
  s.job.applicants = 2000;
  s.timeouts = { ...s.timeouts, joinMs: 30_000, phaseMs: 60_000 };
  change(s);
  return s;
}

/** The FedError code a call throws, or undefined if it does not throw. */
export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
}

// one SEAL instance per test worker: every in-process run in it reuses the CKKS contexts the instance keeps (40-60 ms per prime to build)
let workerSeal: Promise<SealModule> | undefined;

/** The in-process launcher (participants in this process, real sockets, real SEAL), sharing this worker's SEAL instance. */
export function inProcess(): Launcher {
  workerSeal ??= loadSeal().catch((err: unknown) => {
    workerSeal = undefined; // the next test tries again instead of failing on this one's load
    throw err;
  });
  return inProcessLauncher({ seal: workerSeal });
}
