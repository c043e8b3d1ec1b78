/** The bank-alone baseline fitted in a worker thread while the run's own data is made: the same fit, its errors coded, its worker ended. */
import { baselineInWorker, fitAnotherSeedBaseline } from '@fedrisk/runner';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SCENARIO, smallScenario } from '../helpers/fixtures.ts';

describe('the bank-alone baseline in a worker thread', () => {
  it('is the fit the runner makes in its own thread, to the last digit', async () => {
    const s = await smallScenario();
    const inThread = await fitAnotherSeedBaseline(s, DEFAULT_SCENARIO);
    await using early = baselineInWorker(s, DEFAULT_SCENARIO);
    expect(inThread.fit?.weights.length).toBeGreaterThan(0);
    expect(await early.result).toEqual(inThread);
  });

  it("carries a failure's own code across the thread", async () => {
    const s = await smallScenario((x) => {
      (x.parties[2] as { role: string }).role = 'holder';
    });
    await using early = baselineInWorker(s, DEFAULT_SCENARIO);
    await expect(early.result).rejects.toMatchObject({ code: 'SCENARIO_ERR_INVALID', message: expect.stringContaining('holder') });
  });

  it('close() ends a worker still at work: its result is refused, not left pending', async () => {
    const s = await smallScenario((x) => {
      if (x.data.kind === 'synthetic') x.data.businesses = 2_000_000;
    });
    const early = baselineInWorker(s, DEFAULT_SCENARIO);
    await early.close();
    await expect(early.result).rejects.toMatchObject({ code: 'RUN_ERR_PROCESS' });
    await early.close();
  });
});
