/**
 * Trust for a run, set up once before its first job: the run's CA, and an
 * identity key that each party makes for itself (through the launcher, so
 * with OS processes the runner never holds a party's secret). For a staged
 * PSI probe, the guessed ids the attacker will slip in.
 */
import { join } from 'node:path';
import { createRng, type Scenario, writePrivateFile } from '@fedrisk/shared';
import type { RunTrust } from './job-config.ts';
import type { Launcher } from './launch/launcher.ts';
import type { Prepared } from './prepare.ts';
import { createRunCa } from './tls.ts';

export async function establishTrust(scenario: Scenario, prep: Prepared, launcher: Launcher): Promise<RunTrust> {
  const ca = createRunCa(prep.runId);
  const caFile = join(prep.runDir, 'ca.pem');
  writePrivateFile(caFile, ca.certPem);
  const identities = new Map<string, { publicKey: string; keyFile: string }>();
  await Promise.all(
    scenario.parties.map(async (p) => {
      const keyFile = join(prep.runDir, 'identities', p.id, 'identity.key');
      identities.set(p.id, { publicKey: await launcher.keygen(p.id, keyFile), keyFile });
    }),
  );
  const probe = scenario.attacks.find((a) => a.kind === 'psi-probe');
  let probeFile: string | undefined;
  if (probe?.kind === 'psi-probe') {
    // guesses: businesses that exist but did not apply (drawn by the referee, who knows the population)
    const applied = new Set(prep.applicants);
    const others = [...prep.labels.keys()].filter((id) => !applied.has(id));
    const rng = createRng(scenario.seed).fork('probes');
    for (let i = others.length - 1; i > 0; i--) {
      const j = Math.floor(rng.next() * (i + 1));
      [others[i], others[j]] = [others[j] as string, others[i] as string];
    }
    probeFile = join(prep.runDir, 'attack', 'probes.txt');
    writePrivateFile(probeFile, `${others.slice(0, probe.guesses).join('\n')}\n`);
  }
  return { ca, caFile, coordinatorTls: ca.issue(launcher.coordinatorHosts ?? ['127.0.0.1', 'localhost']), identities, probeFile };
}
