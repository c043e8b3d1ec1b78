/**
 * Progress bars for long steps (encrypting, decrypting, Paillier's values)
 * when the output is a terminal: one line, redrawn in place, per step, with
 * each party's count; the run's own lines print above it. When the output is
 * a file or a pipe the runner prints plain lines instead (progress.ts).
 */

export interface ProgressBars {
  /** a participant's progress in a step */
  progress(participant: string, step: string, done: number, total: number): void;
  /** prints a line of the run above the bar */
  line(text: string): void;
  /** removes the bar */
  close(): void;
}

const BAR = 24;
const REDRAW_MS = 100;
const CLEAR = '\r\x1b[K';

export function createProgressBars(write: (text: string) => void, now: () => number = () => performance.now()): ProgressBars {
  /** step -> participant -> [done, total] */
  const steps = new Map<string, Map<string, [number, number]>>();
  let shown = false;
  let lastDraw = 0;
  const text = (): string => {
    const [step, parties] = [...steps].at(-1) as [string, Map<string, [number, number]>];
    let done = 0;
    let total = 0;
    for (const [d, t] of parties.values()) {
      done += d;
      total += t;
    }
    const filled = total ? Math.round((BAR * done) / total) : 0;
    const each = [...parties].map(([p, [d, t]]) => `${p} ${d}/${t}`).join(' · ');
    return `  ${step.padEnd(9)} [${'█'.repeat(filled)}${'░'.repeat(BAR - filled)}] ${String(Math.floor((100 * done) / Math.max(1, total))).padStart(3)} % · ${each}`.slice(
      0,
      100,
    );
  };
  const draw = (force: boolean): void => {
    if (!steps.size) {
      if (shown) write(CLEAR);
      shown = false;
      return;
    }
    if (!force && now() - lastDraw < REDRAW_MS) return;
    lastDraw = now();
    write(`${CLEAR}${text()}`);
    shown = true;
  };
  return {
    progress: (participant, step, done, total) => {
      const parties = steps.get(step) ?? new Map<string, [number, number]>();
      parties.set(participant, [done, total]);
      steps.delete(step);
      steps.set(step, parties);
      if ([...parties.values()].every(([d, t]) => d >= t)) {
        steps.delete(step);
        draw(true);
      } else draw(false);
    },
    line: (line) => {
      write(`${shown ? CLEAR : ''}${line}\n`);
      shown = false;
      if (steps.size) draw(true);
    },
    close: () => {
      steps.clear();
      draw(true);
    },
  };
}
