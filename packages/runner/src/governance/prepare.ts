/**
 * Governance for a run, set up once before its first job: the coordinator's
 * identity key, each applicant's authorisation (signed with a key the
 * business derives for itself; `governance.authorisations.share` of them
 * authorise), each holder's register of its own customers' keys, and, for a
 * misbehaving recipient, the businesses it asks about without authorisation.
 * Real data (csv) gets the same: the runner plays the businesses of the
 * file's ids. What each holder will withhold is kept for the referee.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import {
  type Authorisation,
  authorisationsCsv,
  businessKeyPair,
  businessKeysCsv,
  CREDIT_ASSESSMENT,
  createRng,
  dayOf,
  type Scenario,
  signAuthorisation,
  writePrivateFile,
} from '@fedrisk/shared';
import type { Launcher } from '../launch/launcher.ts';
import type { Prepared } from '../prepare.ts';

export interface RunGovernance {
  dir: string;
  coordinator: { publicKey: string; keyFile: string };
  /** the recipient's authorisations (none when they are not required) */
  authorisationsFile: string | undefined;
  /** per holder: its customers' registered keys */
  businessKeyFiles: Map<string, string>;
  /** per holder: applicants whose record it will not contribute (no valid authorisation), for the referee */
  withheld: Map<string, ReadonlySet<string>>;
  /** a misbehaving recipient's extra businesses, asked about without authorisation */
  extraQueries: string[];
  /** the purpose the recipient states */
  purpose: string;
  /** authorisations issued, and applicants without one */
  issued: number;
  suspensionsFile: string;
  /** the regulator's identity key, when the scenario has one */
  regulator: { publicKey: string; keyFile: string } | undefined;
}

export async function prepareGovernance(scenario: Scenario, prep: Prepared, startedAt: Date, launcher: Launcher): Promise<RunGovernance | undefined> {
  const g = scenario.governance;
  if (!g.audit) return undefined;
  const dir = join(prep.runDir, 'governance');
  const keyFile = join(prep.runDir, 'identities', 'coordinator', 'identity.key');
  const regulatorKeyFile = join(prep.runDir, 'regulator', 'identity.key');
  // the keys are made in their own processes while this one signs
  const keysMade = Promise.all([launcher.keygen('coordinator', keyFile), g.regulator ? launcher.keygen('regulator', regulatorKeyFile) : undefined]);
  keysMade.catch(() => {}); // awaited below; a failure is reported there
  const recipient = scenario.job.recipient;
  const holders = scenario.parties.filter((p) => p.id !== recipient).map((p) => p.id);
  const misbehave = g.misbehave?.by === recipient ? g.misbehave : undefined;
  const purpose = misbehave?.purpose ?? CREDIT_ASSESSMENT;
  const extraQueries = extrasOf(scenario, prep, misbehave?.extraQueries ?? 0);
  const base: Omit<RunGovernance, 'coordinator' | 'regulator'> = {
    dir,
    authorisationsFile: undefined,
    businessKeyFiles: new Map(),
    withheld: new Map(),
    extraQueries,
    purpose,
    issued: 0,
    suspensionsFile: join(prep.runDir, 'regulator', 'suspensions.json'),
  };
  const withKeys = async (): Promise<Pick<RunGovernance, 'coordinator' | 'regulator'>> => {
    const [coordinatorKey, regulatorKey] = await keysMade;
    return {
      coordinator: { publicKey: coordinatorKey, keyFile },
      regulator: regulatorKey === undefined ? undefined : { publicKey: regulatorKey, keyFile: regulatorKeyFile },
    };
  };
  if (!g.authorisations.required) return { ...base, ...(await withKeys()) };
  // each business's key from a seed only it would hold (here: derived from the scenario's seed and its id)
  const keys = new Map<string, { publicKey: string; privateKey: string }>();
  const keyOf = (id: string) => {
    let k = keys.get(id);
    if (!k) {
      k = businessKeyPair(createHash('sha256').update(`fedrisk/business-key/v1/${scenario.seed}/${id}`).digest());
      keys.set(id, k);
    }
    return k;
  };
  const rng = createRng(scenario.seed).fork('authorisations');
  const expiresDay = dayOf(startedAt) + g.authorisations.validDays;
  const authorisations: Authorisation[] = [];
  const refused = new Set<string>();
  for (const business of prep.applicants) {
    if (rng.next() >= g.authorisations.share) {
      refused.add(business);
      continue;
    }
    authorisations.push(signAuthorisation(keyOf(business).privateKey, { business, bank: recipient, purpose: CREDIT_ASSESSMENT, sources: holders, expiresDay }));
  }
  const authorisationsFile = join(dir, recipient, 'authorisations.csv');
  writePrivateFile(authorisationsFile, authorisationsCsv(authorisations));
  for (const h of holders) {
    const file = join(dir, h, 'business-keys.csv');
    // every customer registered its key with the holder, applicants or not: the register says nothing about who applied
    writePrivateFile(file, businessKeysCsv((prep.members.get(h)?.ids ?? []).map((id) => [id, keyOf(id).publicKey] as [string, string])));
    base.businessKeyFiles.set(h, file);
    // what the holders will withhold; a stated purpose they do not answer for withholds every record
    base.withheld.set(h, purpose === CREDIT_ASSESSMENT ? refused : new Set(prep.applicants));
  }
  return { ...base, ...(await withKeys()), authorisationsFile, issued: authorisations.length };
}

/** The recipient's own customers that did not apply, in a seeded order: what a misbehaving bank fishes for. */
function extrasOf(scenario: Scenario, prep: Prepared, n: number): string[] {
  if (!n) return [];
  const taken = new Set([...prep.applicants, ...prep.trainIds]);
  const own = (prep.members.get(scenario.job.recipient)?.ids ?? []).filter((id) => !taken.has(id));
  const rng = createRng(scenario.seed).fork('extra-queries');
  for (let i = own.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [own[i], own[j]] = [own[j] as string, own[i] as string];
  }
  return own.slice(0, n);
}
