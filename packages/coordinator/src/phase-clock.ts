/**
 * The job's phases: which one is running, how long each took, and the rule
 * that each phase is entered at most once. Re-entering a phase would mean a
 * step ran twice (the bug of issue 8); it is an internal error, not a silent
 * second run.
 */
import { type EventSink, FedError, type Logger, type PhaseName } from '@fedrisk/shared';

export interface PhaseClock {
  readonly current: PhaseName;
  readonly phases: readonly { name: PhaseName; ms: number; bytes?: number }[];
  /** closes the current phase and starts `next`; throws JOB_ERR_INTERNAL if `next` ran before */
  enter(next: PhaseName): void;
  /** closes the current phase for good (the job ended); idempotent */
  close(): void;
  /** throws PROTO_ERR_UNEXPECTED unless the current phase is one of `allowed` */
  expect(party: string, type: string, ...allowed: PhaseName[]): void;
  unexpected(party: string, type: string): FedError;
}

/**
 * `bytes`, if given, is the job's running total on the wire: each phase then records what crossed during it.
 * `onEnter` hears of each phase entered after join (the live view holds the run there).
 */
export function createPhaseClock(
  clock: () => number,
  onEvent: EventSink,
  logger: Logger,
  bytes?: () => number,
  onEnter?: (next: PhaseName) => void,
): PhaseClock {
  const phases: { name: PhaseName; ms: number; bytes?: number }[] = [];
  const entered = new Set<PhaseName>(['join']);
  let current: PhaseName = 'join';
  let start = clock();
  let startBytes = bytes?.() ?? 0;
  let closed = false;
  const closeCurrent = (): void => {
    const ms = clock() - start;
    phases.push({ name: current, ms, ...(bytes ? { bytes: bytes() - startBytes } : {}) });
    onEvent({ event: 'phase', name: current, ms });
    logger.info({ phase: current, ms }, 'phase done');
  };
  const unexpected = (party: string, type: string): FedError =>
    new FedError('PROTO_ERR_UNEXPECTED', `${type} from ${party} is not expected in phase "${current}"`, { details: { phase: current, type } });
  return {
    get current() {
      return current;
    },
    phases,
    enter: (next) => {
      if (closed) throw new FedError('JOB_ERR_INTERNAL', `phase "${next}" entered after the job ended`);
      if (entered.has(next)) throw new FedError('JOB_ERR_INTERNAL', `phase "${next}" entered a second time (from "${current}"): a step ran twice`);
      closeCurrent();
      entered.add(next);
      current = next;
      start = clock();
      startBytes = bytes?.() ?? 0;
      onEnter?.(next);
    },
    close: () => {
      if (closed) return;
      closed = true;
      closeCurrent();
    },
    expect: (party, type, ...allowed) => {
      if (closed || !allowed.includes(current)) throw unexpected(party, type);
    },
    unexpected,
  };
}
