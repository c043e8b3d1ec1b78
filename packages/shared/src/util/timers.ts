/** Timers owned by one component, so that closing it clears every one (none outlives its owner). */
export interface Timers {
  set(ms: number, fn: () => void): NodeJS.Timeout;
  clear(timer: NodeJS.Timeout | undefined): void;
  /** resolves after `ms`, unless the timers are cleared first (then never) */
  wait(ms: number): Promise<void>;
  clearAll(): void;
}

export function createTimers(): Timers {
  const live = new Set<NodeJS.Timeout>();
  const set = (ms: number, fn: () => void): NodeJS.Timeout => {
    const t = setTimeout(() => {
      live.delete(t);
      fn();
    }, ms);
    live.add(t);
    return t;
  };
  return {
    set,
    clear: (t) => {
      if (!t) return;
      clearTimeout(t);
      live.delete(t);
    },
    wait: (ms) => new Promise<void>((resolve) => set(ms, resolve)),
    clearAll: () => {
      for (const t of live) clearTimeout(t);
      live.clear();
    },
  };
}
