/**
 * fedrisk audit verify <run folder> (also npm run audit -- verify <run folder>):
 * every chain, signature and countersignature of a run's audit trails, and the
 * trails against each other, checked in this process. Each finding names the
 * file, the line and the participant.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { verifyRun } from '../governance/verify-run.ts';
import { type Args, type CliIo, type CommandSpec, EXIT } from './args.ts';

export const auditSpec: CommandSpec = {
  name: 'audit',
  summary: "verify a run folder's audit trails",
  usage: 'fedrisk audit verify <run folder> [--json]   (also: npm run audit -- verify <run folder>)',
  description:
    "Checks every audit trail of a run: each line's place, hash and signature, the heads every participant countersigned at the end of each job, what each side of each link says crossed it, what the bank asked each holder against what the holder says it answered, and the heads each participant filed with the regulator. An edited, deleted, inserted or reordered line is named by file, line and participant.",
  positionals: [
    { name: 'verify', help: 'check the trails (the only action)', required: true, choices: ['verify'] },
    { name: '<run folder>', help: 'a run folder, or runs/latest for the last run', required: true },
  ],
  options: { json: { kind: 'flag', help: 'print the result as JSON' } },
  exits: [[EXIT.failed, 'a finding: a trail does not verify (each one is listed)']],
};

export async function auditCommand(args: Args, io: CliIo): Promise<number> {
  const folder = args.positionals[1] as string;
  let runDir = resolve(io.cwd, folder);
  // runs/latest holds a copy of the last report and, in RUN, the name of its folder
  if (existsSync(join(runDir, 'RUN'))) runDir = join(runDir, '..', readFileSync(join(runDir, 'RUN'), 'utf8').trim());
  if (!existsSync(join(runDir, 'jobs'))) {
    io.err(`audit: ${folder} is not a run folder (it has no jobs/)\n`);
    return EXIT.usage;
  }
  const result = verifyRun(runDir);
  if (args.flag('json')) io.out(`${JSON.stringify(result, null, 2)}\n`);
  else {
    if (!result.jobs.length) io.out(`audit: ${folder} holds no audit trails (governance.audit was off)\n`);
    for (const j of result.jobs) {
      const entries = Object.entries(j.entries)
        .map(([who, n]) => `${who} ${n}`)
        .join(' · ');
      io.out(
        `job ${j.job}: ${j.countersigned ? 'heads countersigned by every participant' : 'NOT countersigned (the job did not finish)'} · entries ${entries}\n`,
      );
    }
    if (result.regulator) io.out(`regulator: ${result.regulator.entries} entries\n`);
    for (const f of result.findings) io.out(`FINDING ${f.file}${f.line ? `:${f.line}` : ''} (${f.participant}): ${f.problem}\n`);
    io.out(result.findings.length ? `audit: ${result.findings.length} finding(s): RUN_ERR_AUDIT\n` : 'audit: every trail verifies\n');
  }
  return result.findings.length ? EXIT.failed : EXIT.ok;
}
