/**
 * A real run in the live view, as it happens. The runner publishes who takes
 * part, each job with its expected phases and what each participant holds,
 * and forwards every event its participants report. The coordinator waits at
 * `gate` before each phase and each message (its control channel: stdio for
 * a coordinator process, a direct call in process); points pass one at a
 * time, in the order they were asked for, at the stepper's pace, so "next"
 * in step mode lets exactly one more thing happen. When a job ends, its
 * knowledge ledgers and the key custody each process recorded replace what
 * the design led the page to expect.
 */
import type { JobKind, KeysDesign, Scenario } from '@fedrisk/shared';
import type { LedgerEntry } from '../report/types.ts';
import type { JobObserver } from '../run-job.ts';
import type { ReplayTarget } from './replay.ts';

/** The live view of a run: it follows each job (JobObserver) and hears what each participant received once the job ended. */
export interface LiveRun extends JobObserver {
  /** a job ended: what each participant received and decrypted, and the key material each recorded */
  endJob(ledger: Record<string, LedgerEntry>, custody: readonly { participant: string; holds: string[] }[]): void;
}

/** The phases a job passes through, in order, as the coordinator times them. */
export function expectedPhases(kind: JobKind, keys: KeysDesign, alignment: Scenario['job']['alignment']): string[] {
  const align = alignment === 'query' ? [] : ['align'];
  if (kind === 'training') return ['join', ...align, 'keys', 'train'];
  if (alignment === 'psi-cardinality') return ['join', 'align'];
  const keysPhase = keys === 'plaintext' ? [] : ['keys'];
  // every scoring design ends with the reasons step (sealed requests go to every holder, whatever was rejected)
  return ['join', ...align, ...keysPhase, ...(alignment === 'query' ? ['query'] : []), 'encrypt', 'aggregate', 'decrypt', 'reasons'];
}

/** What a design hands each participant, in the words of the key-custody table (shared/crypto/custody.ts). */
export function expectedHoldings(keys: KeysDesign, participant: string, keyHolder: string): string[] {
  const identity = 'identity signing key';
  if (participant === 'coordinator') {
    if (keys === 'threshold') return ['public-key shares (relayed)', 'sealed decryption shares (relayed, unreadable)'];
    if (keys === 'plaintext') return [];
    return ['public key (relayed)'];
  }
  if (keys === 'threshold') return [identity, 'secret-key share (its own only)', 'collective public key', 'X25519 key for sealed shares'];
  if (keys === 'plaintext') return [identity];
  const own = keys === 'paillier' ? ['Paillier secret key (the whole key)', 'Paillier public key'] : ['secret key (the whole key)', 'public key'];
  return participant === keyHolder ? [identity, ...own] : [identity, own[1] as string];
}

function ownData(participant: string, rows: ReadonlyMap<string, number>): string[] {
  if (participant === 'coordinator') return ['no data of its own'];
  const n = rows.get(participant);
  return n === undefined ? [] : [`${participant}.csv: ${n} rows`];
}

export function liveRun(target: ReplayTarget, scenario: Scenario, jobs: readonly string[]): LiveRun {
  const stepper = target.stepper;
  const participants = ['coordinator', ...scenario.parties.map((p) => p.id)];
  let rows: ReadonlyMap<string, number> = new Map();
  let chain = Promise.resolve();
  let held = 0;
  let waitingSince: number | undefined;
  target.publish({ event: 'run', name: scenario.name, parties: scenario.parties.map((p) => ({ id: p.id, role: p.role })), designs: [...jobs] });
  return {
    gate: (point) => {
      const passed = chain.then(async () => {
        waitingSince = performance.now();
        try {
          await stepper.pace(point);
        } finally {
          held += performance.now() - waitingSince;
          waitingSince = undefined;
        }
      });
      chain = passed;
      return passed;
    },
    onEvent: (_participant, e) => {
      if (e.event !== 'step' && e.event !== 'listening') target.publish(e);
    },
    beginJob: (job) => {
      rows = job.rows;
      target.publish({ event: 'job', name: job.name, phases: expectedPhases(job.kind, job.keys, scenario.job.alignment) });
      for (const p of participants)
        target.publish({ event: 'holds', participant: p, items: [...ownData(p, rows), ...expectedHoldings(job.keys, p, scenario.job.recipient)] });
    },
    endJob: (ledger, custody) => {
      for (const c of custody) target.publish({ event: 'holds', participant: c.participant, items: [...ownData(c.participant, rows), ...c.holds] });
      for (const [participant, entry] of Object.entries(ledger))
        target.publish({ event: 'ledger', participant, received: entry.received, decrypted: entry.decrypted });
    },
    heldMs: () => held + (waitingSince === undefined ? 0 : performance.now() - waitingSince),
  };
}
