import { runScenario } from '@fedrisk/runner';
import { loadScenario } from '@fedrisk/shared';
const file = process.argv[2] ?? 'scenarios/default.yaml';
const s = await loadScenario(file);
const r = await runScenario({ scenario: s, scenarioFile: file, runsDir: '/tmp/gruns', launcher: 'in-process', onLine: (l) => console.log(l), logLevel: 'warn' });
console.log(r.ok, r.runDir);
