/**
 * Participants as OS processes, each in its own Linux network namespace: as
 * far as the network goes, a host of its own. `ip netns exec <namespace>`
 * runs the same bins the process launcher runs (it execs them in place, so
 * signals reach them). The coordinator listens on its namespace's address at
 * a fixed port, and the run's CA names that address in its certificate, as
 * for a coordinator on another machine. Making the namespaces and the links
 * between them is the caller's business (root only).
 */
import { FedError } from '@fedrisk/shared';
import type { Launcher } from './launcher.ts';
import { processLauncher } from './processes.ts';

export interface NamespacePlan {
  /** each participant ("coordinator" and every party id) and the network namespace it runs in */
  namespaces: Readonly<Record<string, string>>;
  /** the coordinator's address in its namespace: it listens there, and its certificate names it */
  coordinatorAddress: string;
  /** the port it listens on (0: any free one) */
  coordinatorPort: number;
}

export function namespaceLauncher(plan: NamespacePlan, extraEnv: Record<string, string> = {}): Launcher {
  const wrap = (participant: string): readonly string[] => {
    const ns = plan.namespaces[participant];
    // a participant left out would silently run on this host's own network
    if (!ns) throw new FedError('RUN_ERR_PROCESS', `no network namespace is planned for ${participant}`);
    return ['ip', 'netns', 'exec', ns];
  };
  return {
    ...processLauncher(extraEnv, { wrap, coordinatorHost: plan.coordinatorAddress, coordinatorPort: plan.coordinatorPort }),
    kind: 'namespaces',
    coordinatorHosts: [plan.coordinatorAddress],
  };
}
