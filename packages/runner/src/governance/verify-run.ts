/**
 * A run folder's audit trails, verified: every job's trails (each
 * participant's, against the identity key in the run's roster, and against
 * each other), the roster each party was given, and the regulator's trail,
 * whose filings pin every participant's final head.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { type AuditFinding, checkTrail, coordinatorConfigSchema, type JobAudit, nodeConfigSchema, readJsonFile, verifyJobTrails } from '@fedrisk/shared';

export interface RunAudit {
  jobs: JobAudit[];
  /** the regulator's trail, when the run had one */
  regulator?: { entries: number; findings: AuditFinding[] };
  findings: AuditFinding[];
}

const readText = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : undefined);
const publicKeyOf = (runDir: string, who: string) =>
  readText(who === 'regulator' ? join(runDir, 'regulator', 'identity.key.pub') : join(runDir, 'identities', who, 'identity.key.pub'))?.trim();

/** Where each participant of a job keeps its trail. */
function trailFiles(jobDir: string, parties: readonly string[]): [string, string][] {
  return [
    ['coordinator', join(jobDir, 'coordinator', 'audit.jsonl')],
    ...parties.map((p): [string, string] => [p, join(jobDir, 'parties', p, 'out', 'audit.jsonl')]),
  ];
}

/** One job folder's trails, verified (undefined when the job kept none). */
function verifyJob(runDir: string, jobDir: string): { audit: JobAudit; texts: Map<string, string> } | undefined {
  const rel = (f: string) => relative(runDir, f) || f;
  const configFile = join(jobDir, 'coordinator', 'config.json');
  if (!existsSync(configFile)) return undefined;
  const config = readJsonFile(configFile, coordinatorConfigSchema, 'coordinator config', 'RUN_ERR_AUDIT');
  if (!config.governance) return undefined;
  const parties = config.parties.map((p) => p.id);
  const logs = [];
  const texts = new Map<string, string>();
  const missing: AuditFinding[] = [];
  for (const [who, file] of trailFiles(jobDir, parties)) {
    const text = readText(file);
    if (text === undefined) {
      missing.push({ file: rel(file), line: 0, participant: who, problem: 'is missing: the trail was deleted' });
      continue;
    }
    texts.set(who, text);
    logs.push({ file: rel(file), participant: who, publicKey: publicKeyOf(runDir, who), text });
  }
  // every party checked the others against the same keys: a roster changed after the run is caught here
  for (const p of parties) {
    const nodeFile = join(jobDir, 'parties', p, 'config.json');
    if (!existsSync(nodeFile)) continue;
    for (const r of readJsonFile(nodeFile, nodeConfigSchema, `${p}'s config`, 'RUN_ERR_AUDIT').roster ?? [])
      if (r.publicKey !== publicKeyOf(runDir, r.party))
        missing.push({
          file: rel(nodeFile),
          line: 0,
          participant: p,
          problem: `its roster holds another identity key for ${r.party} than identities/${r.party}`,
        });
  }
  const audit = verifyJobTrails(config.jobId, logs);
  audit.findings.unshift(...missing);
  return { audit, texts };
}

/** One job's trails, as the run's report states them. */
export function verifyJobDir(runDir: string, jobDir: string): JobAudit {
  return verifyJob(runDir, jobDir)?.audit ?? { job: '', countersigned: false, entries: {}, findings: [] };
}

export function verifyRun(runDir: string): RunAudit {
  const rel = (f: string) => relative(runDir, f) || f;
  const jobs: JobAudit[] = [];
  const findings: AuditFinding[] = [];
  const jobsDir = join(runDir, 'jobs');
  const trailsByJob = new Map<string, Map<string, string>>();
  for (const name of existsSync(jobsDir) ? readdirSync(jobsDir).sort() : []) {
    const job = verifyJob(runDir, join(jobsDir, name));
    if (!job) continue;
    trailsByJob.set(job.audit.job, job.texts);
    jobs.push(job.audit);
    findings.push(...job.audit.findings);
  }
  const regulatorFile = join(runDir, 'regulator', 'audit.jsonl');
  const text = readText(regulatorFile);
  let regulator: RunAudit['regulator'];
  if (text !== undefined) {
    const checked = checkTrail({ file: rel(regulatorFile), participant: 'regulator', publicKey: publicKeyOf(runDir, 'regulator'), text });
    const own = [...checked.findings];
    checked.entries.forEach((e, i) => {
      if (e?.event !== 'filing') return;
      const { job, participant, head } = e.data as { job: string; participant: string; head: { seq: number; hash: string } };
      const trail = trailsByJob.get(job)?.get(participant);
      const line = trail?.split('\n')[head.seq];
      let at: string | undefined;
      try {
        at = line ? (JSON.parse(line) as { hash?: string }).hash : undefined;
      } catch {
        at = undefined;
      }
      if (head.seq >= 0 && at !== head.hash)
        own.push({
          file: rel(regulatorFile),
          line: i + 1,
          participant,
          problem: `${participant}'s trail of job ${job} no longer holds the head it filed with the regulator (entry ${head.seq}): it was rewritten or cut after the job`,
        });
    });
    regulator = { entries: checked.entries.length, findings: own };
    findings.push(...own);
  }
  return { jobs, ...(regulator ? { regulator } : {}), findings };
}
