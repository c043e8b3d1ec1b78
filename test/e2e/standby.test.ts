/**
 * Participants started ahead of their jobs (OS processes): each job of a run
 * takes standbys that loaded while the runner worked, gets its arguments and
 * credential on stdin (never on a command line), and nothing is left running.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { type Child, type Launcher, processLauncher, runScenario } from '@fedrisk/runner';
import { describe, expect, it } from 'vitest';
import { smallScenario, tempDir } from '../helpers/fixtures.ts';

/** This process's children whose command line has `--standby`, from /proc. */
function standbyChildren(): number[] {
  const mine: number[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid && readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes('--standby')) mine.push(Number(pid));
    } catch {
      // gone meanwhile
    }
  }
  return mine;
}

describe('participants started ahead of their jobs', () => {
  it('take part in both designs with nothing of their job on their command line, and none is left after the run', async () => {
    const base = processLauncher();
    const started: Child[] = [];
    const keep = (c: unknown) => {
      started.push(c as Child);
      return c as Child;
    };
    const launcher: Launcher = { ...base, coordinator: (l, e) => keep(base.coordinator(l, e)), node: (l, e) => keep(base.node(l, e)) };
    const scenario = await smallScenario((s) => {
      s.name = 'standby';
      s.job.compareWith = ['single-holder'];
    });
    const { ok, report } = await runScenario({ scenario, scenarioFile: 'standby', runsDir: tempDir(), launcher });
    expect(ok, JSON.stringify(report.error)).toBe(true);
    expect(report.designs.map((d) => d.ok)).toEqual([true, true]);
    // a coordinator and three parties per design, each its own process
    expect(started.map((c) => c.name).sort()).toEqual(['bank', 'bank', 'coordinator', 'coordinator', 'guarantor', 'guarantor', 'tax', 'tax']);
    const standbys = started.filter((c) => c.proc.spawnargs.includes('--standby'));
    // the first job's coordinator is always one (started as soon as the data was made); the others if they were started before their job needed them
    expect(standbys).toContain(started[0]);
    process.stderr.write(`standby: ${standbys.length} of ${started.length} participants were started ahead of their job\n`);
    for (const c of standbys) expect(c.proc.spawnargs.slice(2), `${c.name}: nothing of its job on its command line`).toEqual(['--standby']);
    for (const c of started) expect(c.proc.exitCode, c.name).toBe(0);
    expect(standbyChildren()).toEqual([]);
  });

  it('close() ends the standbys no job took, loaded or still waiting their turn', async () => {
    const launcher = processLauncher();
    launcher.standby?.(['bank', 'tax', 'coordinator']);
    launcher.standby?.(['bank']);
    // the first one loads while the others wait their turn: both kinds are ended
    await expect.poll(() => standbyChildren().length).toBe(1);
    await launcher.close?.();
    expect(standbyChildren()).toEqual([]);
    await launcher.close?.(); // idempotent
  });
});
