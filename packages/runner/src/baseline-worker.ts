/**
 * Worker thread: fits the bank-alone baseline on a population drawn with
 * another seed (baselineInWorker), while the runner's main thread generates
 * the run's own world. It reads nothing of the run: the scenario is enough.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { asFedError, type Scenario } from '@fedrisk/shared';
import { fitAnotherSeedBaseline } from './baseline.ts';

const { scenario, scenarioFile } = workerData as { scenario: Scenario; scenarioFile: string };
try {
  parentPort?.postMessage({ ok: true, baseline: await fitAnotherSeedBaseline(scenario, scenarioFile) });
} catch (err) {
  parentPort?.postMessage({ ok: false, error: asFedError(err, 'RUN_ERR_PROCESS', 'the bank-alone baseline failed').toWire() });
}
