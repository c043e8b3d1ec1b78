/**
 * The files one job starts from: the coordinator's config (with the sha256
 * of each party's credential, never the credential) and each party's own
 * config (its data file, model slice, identity key and everyone's public
 * identity keys). Written owner-only into the job's folder.
 */
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import {
  type Agreement,
  applicantsText,
  type CoordinatorConfig,
  coordinatorConfigSchema,
  type JobKind,
  type KeysDesign,
  labelsCsv,
  mkdirPrivate,
  type NodeConfig,
  nodeConfigSchema,
  type Scenario,
  writeJsonFile,
  writePrivateFile,
} from '@fedrisk/shared';
import { decisionConfigs } from './decisions/config.ts';
import { coordinatorGovernanceOf, nodeGovernanceOf } from './governance/configs.ts';
import type { RunGovernance } from './governance/prepare.ts';
import type { Prepared } from './prepare.ts';
import type { RunCa } from './tls.ts';

export interface JobSpec {
  kind: JobKind;
  keys: KeysDesign;
  /** false only to show a staged attack succeeding */
  defences: boolean;
  /** scoring after training: each party's own trained model file */
  modelFiles?: Map<string, string> | undefined;
  /** training under a design compared with the scenario's own (its models are not used for scoring) */
  compare?: boolean | undefined;
  /** a name for the job's folder other than its design's (a second job of the same design) */
  label?: string | undefined;
  /** PSI scoring: every party keeps its own record of the alignment (and a holder the authorisation signatures it verified), for a later job of the run */
  keepAlignment?: boolean | undefined;
  /** PSI scoring: the earlier job of the run (which kept its alignment) whose alignment, and verified signatures, every party reuses */
  reuseAlignment?: JobFiles | undefined;
}

/** Where a party keeps its own record of a job's alignment (owner-only, in its folder of that job). */
export function alignmentRecordFile(files: Pick<JobFiles, 'partyDir'>, party: string): string {
  return join(files.partyDir(party), 'alignment.json');
}

export interface JobFiles {
  jobId: string;
  jobDir: string;
  logDir: string;
  coordinatorConfig: string;
  recordFile: string;
  partyDir(id: string): string;
  nodeConfig(id: string): string;
  /** each party's credential, handed to its process through the environment */
  tokens: Map<string, string>;
}

/** What every job of a run shares: the run's CA and each party's identity (public key, and where the party keeps the secret). */
export interface RunTrust {
  ca: RunCa;
  caFile: string;
  /** the coordinator's TLS certificate for this run's jobs, issued by the CA for the address it listens on */
  coordinatorTls: { certPem: string; keyPem: string };
  identities: Map<string, { publicKey: string; keyFile: string }>;
  /** psi-probe attack: the guessed ids the runner hands the attacker */
  probeFile?: string | undefined;
  /** audit trails, authorisations, the regulator's suspensions */
  governance?: RunGovernance | undefined;
}

/** The folder name of a job within the run: its design (undefended when the defences are off), or "training" (training-<design> when compared). */
export function jobName(spec: JobSpec): string {
  if (spec.label) return spec.label;
  if (spec.kind === 'training') return spec.compare ? `training-${spec.keys}` : 'training';
  return `${spec.keys}${spec.defences ? '' : '-undefended'}`;
}

export function writeJobConfigs(scenario: Scenario, prep: Prepared, spec: JobSpec, trust: RunTrust): JobFiles {
  const recipient = scenario.job.recipient;
  const training = spec.kind === 'training';
  const jobDir = join(prep.runDir, 'jobs', jobName(spec));
  const tokens = new Map(scenario.parties.map((p) => [p.id, randomBytes(24).toString('base64url')]));
  const jobId = `job-${prep.runId}-${jobName(spec)}`.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 64);
  const attack = training ? undefined : scenario.attacks[0];
  const coordinatorAttack = attack && (attack.kind === 'downgrade' || attack.kind === 'key-swap' || attack.kind === 'tamper') ? attack : undefined;
  const partyAttack = attack && 'by' in attack ? attack : undefined;
  const misbehave = scenario.faults.flatMap((f) =>
    'coordinator' in f ? [f.coordinator === 'decrypt-input' ? { kind: 'decrypt-input' as const, target: f.target } : { kind: 'replay-decrypt' as const }] : [],
  )[0];
  const coordinator: CoordinatorConfig = {
    jobId,
    keys: spec.keys,
    alignment: training ? (scenario.job.alignment === 'query' ? 'query' : 'psi') : scenario.job.alignment,
    psiHash: scenario.psi.hash,
    ...(spec.reuseAlignment ? { reuseAlignment: spec.reuseAlignment.jobId } : {}),
    kind: spec.kind,
    ...(training && scenario.train ? { training: scenario.train } : {}),
    ...(spec.keys === 'single-holder' ? { keyHolder: recipient } : {}),
    recipient,
    ckks: training ? (spec.keys === 'threshold' ? scenario.crypto.thresholdTraining : scenario.crypto.training) : scenario.crypto.ckks,
    ...(spec.keys === 'paillier' ? { paillier: scenario.crypto.paillier } : {}),
    parties: scenario.parties.map((p) => ({
      id: p.id,
      role: p.role,
      tokenSha256: createHash('sha256')
        .update(tokens.get(p.id) as string)
        .digest('hex'),
    })),
    timeouts: scenario.timeouts,
    network: scenario.network,
    ...(misbehave && spec.keys === 'threshold' && !training ? { misbehave } : {}),
    defences: spec.defences,
    ...(coordinatorAttack ? { attack: coordinatorAttack } : {}),
    tls: { cert: join(jobDir, 'coordinator', 'tls-cert.pem'), key: join(jobDir, 'coordinator', 'tls-key.pem') },
    ...(trust.governance ? { governance: coordinatorGovernanceOf(scenario, trust.governance, trust.identities, jobDir) } : {}),
  };
  // the coordinator's TLS key and certificate, issued by the run's CA
  writePrivateFile(coordinator.tls?.cert as string, trust.coordinatorTls.certPem);
  writePrivateFile(coordinator.tls?.key as string, trust.coordinatorTls.keyPem);
  const coordinatorConfig = join(jobDir, 'coordinator', 'config.json');
  writeJsonFile(coordinatorConfig, coordinatorConfigSchema, coordinator);
  const roster = scenario.parties.map((p) => ({ party: p.id, role: p.role, publicKey: (trust.identities.get(p.id) as { publicKey: string }).publicKey }));
  const agreement: Agreement = {
    jobId,
    kind: spec.kind,
    keys: coordinator.keys,
    alignment: coordinator.alignment,
    psiHash: coordinator.psiHash,
    ...(coordinator.reuseAlignment ? { reuseAlignment: coordinator.reuseAlignment } : {}),
    recipient,
    ...(coordinator.keyHolder ? { keyHolder: coordinator.keyHolder } : {}),
    parties: scenario.parties.map(({ id, role }) => ({ id, role })),
    ckks: coordinator.ckks,
    ...(coordinator.training ? { training: coordinator.training } : {}),
    ...(coordinator.paillier ? { paillier: coordinator.paillier } : {}),
    maxApplicants: (training ? prep.trainIds : [...prep.applicants, ...(trust.governance?.extraQueries ?? [])]).length,
  };
  const partyDir = (id: string) => join(jobDir, 'parties', id);
  const decisions = training ? undefined : decisionConfigs(scenario);
  const rows = training ? prep.trainIds : [...prep.applicants, ...(trust.governance?.extraQueries ?? [])];
  for (const p of scenario.parties) {
    const dir = partyDir(p.id);
    const fault = scenario.faults.find((f) => 'party' in f && f.party === p.id);
    if (p.id === recipient) writePrivateFile(join(dir, 'applicants.txt'), applicantsText(rows));
    // the bank is the label holder: it knows which of its own customers defaulted
    if (training && p.id === recipient)
      writePrivateFile(
        join(dir, 'labels.csv'),
        labelsCsv(rows, (id) => prep.labels.get(id) ?? 0),
      );
    const modelFile = spec.modelFiles?.get(p.id);
    const cfg: NodeConfig = {
      party: p.id,
      role: p.role,
      data: prep.dataFiles.get(p.id) as string,
      dataFormat: prep.dataFormat,
      ...(scenario.data.kind === 'csv' ? { columns: [...(prep.schemas.get(p.id)?.columns ?? [])], idFormat: 'plain' as const } : {}),
      // training: the party completes what the scenario leaves out, from its own rows
      model: scenario.model[p.id] ?? { intercept: 0 },
      inferFeatures: training,
      ...(p.id === recipient ? { scorecard: scenario.scorecard, applicants: join(dir, 'applicants.txt') } : {}),
      ...(decisions ? { reasons: decisions.reasons } : {}),
      ...(decisions && p.id === recipient ? { policy: decisions.policy } : {}),
      ...(training && p.id === recipient ? { labels: join(dir, 'labels.csv') } : {}),
      ...(modelFile ? { modelFile } : {}),
      outDir: join(dir, 'out'),
      ...(spec.keepAlignment ? { alignmentRecord: alignmentRecordFile({ partyDir }, p.id) } : {}),
      ...(spec.reuseAlignment ? { reuseAlignmentFrom: alignmentRecordFile(spec.reuseAlignment, p.id) } : {}),
      ...(fault && 'crashAt' in fault ? { fault: { crashAt: fault.crashAt } } : {}),
      identityKeyFile: (trust.identities.get(p.id) as { keyFile: string }).keyFile,
      agreement,
      defences: spec.defences,
      ...(partyAttack?.by === p.id ? { attack: partyAttack } : {}),
      ...(partyAttack?.by === p.id && partyAttack.kind === 'psi-probe' && trust.probeFile ? { probeFile: trust.probeFile } : {}),
      tls: { ca: trust.caFile },
      timeouts: scenario.timeouts,
      roster,
      ...(trust.governance
        ? {
            governance: nodeGovernanceOf(scenario, trust.governance, p.id, join(dir, 'out'), {
              keepIn: spec.keepAlignment ? dir : undefined,
              reuseFrom: spec.reuseAlignment?.partyDir(p.id),
            }),
          }
        : {}),
    };
    writeJsonFile(join(dir, 'config.json'), nodeConfigSchema, cfg);
  }
  // owner-only like every other folder of the run (the loggers would make it 0755)
  mkdirPrivate(join(jobDir, 'logs'));
  return {
    jobId,
    jobDir,
    logDir: join(jobDir, 'logs'),
    coordinatorConfig,
    recordFile: join(jobDir, 'coordinator', 'job-record.json'),
    partyDir,
    nodeConfig: (id) => join(partyDir(id), 'config.json'),
    tokens,
  };
}
