import { runScenario } from '@fedrisk/runner';
import { loadScenario } from '@fedrisk/shared';
const file = 'scenarios/default.yaml';
const s = await loadScenario(file);
s.name = 'q'; if (s.data.kind === 'synthetic') s.data.businesses = 3000; s.job.applicants = 2000;
s.job.alignment = (process.argv[2] ?? 'query') as 'query'; s.job.compareWith = []; s.job.keys = (process.argv[3] ?? 'single-holder') as 'single-holder';
const r = await runScenario({ scenario: s, scenarioFile: file, runsDir: '/tmp/gruns', launcher: 'in-process', logLevel: 'warn' });
console.log(r.ok, r.runDir, r.report.error?.message, JSON.stringify(r.report.governance?.authorisations), JSON.stringify(r.report.verification?.gaps));
