/**
 * Lets a class follow a job at its own pace. The coordinator (or a replay)
 * calls `await stepper.before(point)` before each phase and each message:
 *
 * - mode 'run': resolves at once (unless paused);
 * - mode 'step': resolves only when "next" is pressed; one press releases one point, oldest first;
 * - paused: every `before` waits until resume, in either mode.
 *
 * `delayMs(point)` turns the speed multiplier into a hold time: a message is
 * held 100 ms at speed 1, 400 ms at speed 0.25; a phase start 400 ms at speed 1.
 * In step mode it is 0 (the class presses "next" instead). `pace(point)` does
 * both: `before`, then the hold.
 */
import type { StepPoint } from './events.ts';

export type StepMode = 'run' | 'step';

export interface StepperState {
  mode: StepMode;
  paused: boolean;
  speed: number;
  /** the oldest point waiting to be released, if any */
  waiting: StepPoint | null;
  /** how many points are waiting */
  queued: number;
  /** how many points have gone ahead so far */
  passed: number;
}

export interface StepperOptions {
  mode?: StepMode;
  speed?: number;
  paused?: boolean;
}

export const MESSAGE_HOLD_MS = 100;
export const PHASE_HOLD_MS = 400;
export const MIN_SPEED = 1 / 16;
export const MAX_SPEED = 64;

interface Waiter {
  point: StepPoint;
  release: () => void;
}

export class Stepper {
  #mode: StepMode;
  #paused: boolean;
  #speed: number;
  #closed = false;
  #passed = 0;
  readonly #queue: Waiter[] = [];
  readonly #holds = new Map<NodeJS.Timeout, () => void>();
  readonly #changeListeners = new Set<(state: StepperState) => void>();
  readonly #passListeners = new Set<(point: StepPoint) => void>();

  constructor(opts: StepperOptions = {}) {
    this.#mode = opts.mode ?? 'run';
    this.#paused = opts.paused ?? false;
    this.#speed = clampSpeed(opts.speed ?? 1);
  }

  get mode(): StepMode {
    return this.#mode;
  }

  /** Switching to 'run' releases every waiting point (unless paused). */
  set mode(mode: StepMode) {
    if (mode !== 'run' && mode !== 'step') throw new TypeError(`stepper mode must be 'run' or 'step', not ${String(mode)}`);
    if (mode === this.#mode) return;
    this.#mode = mode;
    this.#drain();
    this.#changed();
  }

  get paused(): boolean {
    return this.#paused;
  }

  get speed(): number {
    return this.#speed;
  }

  /** A multiplier between 1/16 and 64; values outside are clamped. */
  set speed(speed: number) {
    const s = clampSpeed(speed);
    if (s === this.#speed) return;
    this.#speed = s;
    this.#changed();
  }

  get closed(): boolean {
    return this.#closed;
  }

  pause(): void {
    if (this.#paused || this.#closed) return;
    this.#paused = true;
    this.#changed();
  }

  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.#drain();
    this.#changed();
  }

  /** Waits until this point may go ahead (see the module comment). */
  before(point: StepPoint): Promise<void> {
    if (this.#closed || (!this.#paused && this.#mode === 'run' && this.#queue.length === 0)) {
      this.#pass(point);
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      this.#queue.push({
        point,
        release: () => {
          this.#pass(point);
          resolve();
        },
      });
      this.#changed();
    });
  }

  /** "Next" on the page: releases the oldest waiting point. False when nothing could be released. */
  next(): boolean {
    if (this.#closed || this.#paused || this.#mode !== 'step') return false;
    const w = this.#queue.shift();
    if (!w) return false;
    w.release();
    this.#changed();
    return true;
  }

  /** How long to hold this point at the current speed; 0 in step mode or once closed. */
  delayMs(point: StepPoint): number {
    if (this.#closed || this.#mode === 'step') return 0;
    return Math.round((point.kind === 'phase' ? PHASE_HOLD_MS : MESSAGE_HOLD_MS) / this.#speed);
  }

  /** `before(point)`, then hold it for `delayMs(point)`. close() cuts the hold short. */
  async pace(point: StepPoint): Promise<void> {
    await this.before(point);
    const ms = this.delayMs(point);
    if (ms <= 0 || this.#closed) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.#holds.delete(timer);
        resolve();
      }, ms);
      this.#holds.set(timer, resolve);
    });
  }

  state(): StepperState {
    return {
      mode: this.#mode,
      paused: this.#paused,
      speed: this.#speed,
      waiting: this.#queue[0]?.point ?? null,
      queued: this.#queue.length,
      passed: this.#passed,
    };
  }

  /** Called with the new state whenever mode, pause, speed or the waiting points change. Returns an unsubscribe function. */
  onChange(listener: (state: StepperState) => void): () => void {
    this.#changeListeners.add(listener);
    return () => this.#changeListeners.delete(listener);
  }

  /** Called each time a point goes ahead, before its `before` resolves. Returns an unsubscribe function. */
  onPass(listener: (point: StepPoint) => void): () => void {
    this.#passListeners.add(listener);
    return () => this.#passListeners.delete(listener);
  }

  /** Releases every waiting point and ends every hold, so nothing that waits on the stepper hangs. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const [timer, resolve] of this.#holds) {
      clearTimeout(timer);
      resolve();
    }
    this.#holds.clear();
    for (const w of this.#queue.splice(0)) w.release();
    this.#changeListeners.clear();
    this.#passListeners.clear();
  }

  #drain(): void {
    if (this.#paused || this.#mode !== 'run') return;
    for (const w of this.#queue.splice(0)) w.release();
  }

  #pass(point: StepPoint): void {
    this.#passed++;
    for (const listener of this.#passListeners) listener(point);
  }

  #changed(): void {
    const state = this.state();
    for (const listener of this.#changeListeners) listener(state);
  }
}

function clampSpeed(speed: number): number {
  if (!Number.isFinite(speed) || speed <= 0) return 1;
  return Math.min(MAX_SPEED, Math.max(MIN_SPEED, speed));
}
