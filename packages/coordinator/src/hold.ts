/**
 * Holding the protocol for a class. When its runner gives it a gate (the live
 * view's stepper, over stdio or in process), the coordinator waits there
 * before each phase starts and before it handles or sends each message. While
 * anything waits at the gate, the coordinator's own timers (the join, hello
 * and phase timeouts, the simulated network's delays) stand still, so a
 * paused class never times a job out. Heartbeats go on, so the parties see a
 * live coordinator and their silence watchdogs stay quiet.
 */
import type { StepGate, StepPoint } from '@fedrisk/shared';

/** A timer of HoldTimers; opaque. */
export interface TimerHandle {
  readonly id: number;
}

/** Timers owned by the coordinator that can stand still: closing clears every one. */
export interface HoldTimers {
  set(ms: number, fn: () => void): TimerHandle;
  clear(timer: TimerHandle | undefined): void;
  /** resolves after `ms` of running time, unless the timers are cleared first (then never) */
  wait(ms: number): Promise<void>;
  clearAll(): void;
  /** stops every timer's clock; idempotent */
  suspend(): void;
  /** starts them again with the time each had left; idempotent */
  resume(): void;
}

interface Entry {
  fn: () => void;
  remaining: number;
  startedAt: number;
  timer: NodeJS.Timeout | undefined;
}

export function createHoldTimers(clock: () => number = () => performance.now()): HoldTimers {
  const live = new Map<TimerHandle, Entry>();
  let nextId = 0;
  let suspended = false;
  const arm = (handle: TimerHandle, e: Entry): void => {
    e.startedAt = clock();
    e.timer = setTimeout(
      () => {
        live.delete(handle);
        e.fn();
      },
      Math.max(0, e.remaining),
    );
  };
  const set = (ms: number, fn: () => void): TimerHandle => {
    const handle = { id: ++nextId };
    const e: Entry = { fn, remaining: ms, startedAt: clock(), timer: undefined };
    live.set(handle, e);
    if (!suspended) arm(handle, e);
    return handle;
  };
  return {
    set,
    clear: (handle) => {
      const e = handle && live.get(handle);
      if (!e || !handle) return;
      clearTimeout(e.timer);
      live.delete(handle);
    },
    wait: (ms) => new Promise<void>((resolve) => set(ms, resolve)),
    clearAll: () => {
      for (const e of live.values()) clearTimeout(e.timer);
      live.clear();
    },
    suspend: () => {
      if (suspended) return;
      suspended = true;
      const t = clock();
      for (const e of live.values()) {
        clearTimeout(e.timer);
        e.timer = undefined;
        e.remaining -= t - e.startedAt;
      }
    },
    resume: () => {
      if (!suspended) return;
      suspended = false;
      for (const [handle, e] of live) arm(handle, e);
    },
  };
}

export interface Hold {
  /** waits at the gate (at once without one); the timers stand still meanwhile */
  at(point: StepPoint): Promise<void>;
  /** lets everything waiting go and stops holding: the coordinator is closing */
  release(): void;
}

export function createHold(gate: StepGate | undefined, timers: HoldTimers): Hold {
  let waiting = 0;
  let released = false;
  let release!: () => void;
  const releasedAll = new Promise<void>((resolve) => {
    release = resolve;
  });
  return {
    at: async (point) => {
      if (!gate || released) return;
      if (waiting++ === 0) timers.suspend();
      try {
        await Promise.race([gate(point), releasedAll]);
      } finally {
        if (--waiting === 0) timers.resume();
      }
    },
    release: () => {
      released = true;
      release();
    },
  };
}
