/**
 * The contract every job kind implements on a node. `start` runs once, when
 * the job has been accepted; `advance` runs after every handled message and
 * takes each step that has become ready (each at most once, by StepGuard).
 * The recipient's decrypted result goes to `onResult`.
 */
import type { Session } from '../session.ts';

export interface NodeJob {
  start(s: Session): Promise<void>;
  advance(s: Session): Promise<void>;
}
