#!/usr/bin/env -S npx tsx
/**
 * Verifies a run folder's audit trails (npm run audit -- verify <run folder>,
 * or npx fedrisk audit verify <run folder>): every chain, signature and
 * countersignature, and the trails against each other. Each finding names
 * the file, the line and the participant.
 *
 * Exits 0 when every trail verifies, 1 when something does not, 2 on bad
 * arguments or a folder that is not a run.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { EXIT } from '../cli/args.ts';
import { verifyRun } from '../governance/verify-run.ts';

const USAGE = `usage: audit verify <run folder> [--json]

Checks every audit trail of a run: each line's place, hash and signature, the
heads every participant countersigned at the end of each job, what each side
of each link says crossed it, what the bank asked each holder against what the
holder says it answered, and the heads each participant filed with the
regulator. An edited, deleted, inserted or reordered line is named by file,
line and participant.

  --json    print the result as JSON
  --help    this text

exit status: 0 every trail verifies · 1 a finding (listed) · 2 bad arguments or not a run folder
`;

function main(): number {
  const { values, positionals } = parseArgs({ options: { json: { type: 'boolean' }, help: { type: 'boolean' } }, allowPositionals: true });
  if (values.help) {
    process.stdout.write(USAGE);
    return EXIT.ok;
  }
  const [command, folder, ...rest] = positionals;
  if (command !== 'verify' || !folder || rest.length) {
    process.stderr.write(`audit: expected "verify <run folder>"\n\n${USAGE}`);
    return EXIT.usage;
  }
  let runDir = resolve(folder);
  // runs/latest holds a copy of the last report and, in RUN, the name of its folder
  if (existsSync(join(runDir, 'RUN'))) runDir = join(runDir, '..', readFileSync(join(runDir, 'RUN'), 'utf8').trim());
  if (!existsSync(join(runDir, 'jobs'))) {
    process.stderr.write(`audit: ${folder} is not a run folder (it has no jobs/)\n`);
    return EXIT.usage;
  }
  const result = verifyRun(runDir);
  if (values.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else {
    if (!result.jobs.length) process.stdout.write(`audit: ${folder} holds no audit trails (governance.audit was off)\n`);
    for (const j of result.jobs) {
      const entries = Object.entries(j.entries)
        .map(([who, n]) => `${who} ${n}`)
        .join(' · ');
      process.stdout.write(
        `job ${j.job}: ${j.countersigned ? 'heads countersigned by every participant' : 'NOT countersigned (the job did not finish)'} · entries ${entries}\n`,
      );
    }
    if (result.regulator) process.stdout.write(`regulator: ${result.regulator.entries} entries\n`);
    for (const f of result.findings) process.stdout.write(`FINDING ${f.file}${f.line ? `:${f.line}` : ''} (${f.participant}): ${f.problem}\n`);
    process.stdout.write(result.findings.length ? `audit: ${result.findings.length} finding(s): RUN_ERR_AUDIT\n` : 'audit: every trail verifies\n');
  }
  return result.findings.length ? EXIT.failed : EXIT.ok;
}

try {
  process.exitCode = main();
} catch (err) {
  process.stderr.write(`audit: ${(err as { code?: string }).code ?? 'error'}: ${(err as Error)?.message ?? String(err)}\n`);
  process.exitCode = EXIT.usage;
}
