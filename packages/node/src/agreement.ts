/**
 * What a party brings to a job from its own files: the job it agreed to (so
 * a coordinator cannot change the design, the roster, the recipient or the
 * parameters), its own identity key, and the run's CA (so it knows it talks
 * to the real coordinator).
 */
import { readFileSync } from 'node:fs';
import { FedError, identityPublicKey, type JobStart, type NodeConfig } from '@fedrisk/shared';

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Refuses a job.start that differs from the agreement in the party's config (defences on). */
export function checkAgreed(config: NodeConfig, msg: JobStart): void {
  if (!config.defences) return;
  const a = config.agreement;
  if (!a) throw new FedError('JOB_ERR_NOT_AGREED', `${config.party}'s config pins no job (agreement): it takes part in no job it has not agreed to`);
  const differences: string[] = [];
  const check = (field: string, agreed: unknown, started: unknown) => {
    if (!same(agreed, started)) differences.push(`${field} ${JSON.stringify(started)}, agreed ${JSON.stringify(agreed)}`);
  };
  check('job id', a.jobId, msg.jobId);
  check('kind', a.kind, msg.kind);
  check('keys', a.keys, msg.keys);
  check('alignment', a.alignment, msg.alignment);
  if (a.alignment !== 'query') check('PSI hash', a.psiHash ?? 'random-oracle', msg.psiHash);
  check('alignment reused from job', a.reuseAlignment, msg.reuseAlignment);
  check('recipient', a.recipient, msg.recipient);
  check('key holder', a.keys === 'single-holder' ? (a.keyHolder ?? a.recipient) : undefined, msg.keyHolder);
  check('parties', a.parties, msg.parties);
  check('CKKS parameters', a.ckks, msg.ckks);
  if (a.kind === 'training') check('training parameters', a.training, msg.training);
  if (a.keys === 'paillier') check('Paillier parameters', a.paillier, msg.paillier);
  if (differences.length)
    throw new FedError('JOB_ERR_NOT_AGREED', `the coordinator started a job that differs from the one ${config.party} agreed to: ${differences.join('; ')}`, {
      details: { party: config.party },
    });
}

/** The party's own identity secret key, from the file it made (`node --keygen`). */
export function readIdentityKey(path: string): string {
  let key: string;
  try {
    key = readFileSync(path, 'utf8').trim();
  } catch (cause) {
    throw new FedError('CONFIG_ERR_INVALID', `cannot read the identity key ${path}: ${(cause as Error).message}`, { cause });
  }
  try {
    identityPublicKey(key);
  } catch (cause) {
    throw new FedError('CONFIG_ERR_INVALID', `${path} does not hold an identity key made by node --keygen`, { cause });
  }
  return key;
}

export function readCa(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (cause) {
    throw new FedError('CONFIG_ERR_INVALID', `cannot read the CA certificate ${path}: ${(cause as Error).message}`, { cause });
  }
}
