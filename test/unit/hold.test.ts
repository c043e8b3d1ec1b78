/** Holding a run for a class: the coordinator's timers stand still while a point is held, and the stdio control channel. */
import { PassThrough } from 'node:stream';
import { createHold, createHoldTimers, createStepChannel } from '@fedrisk/coordinator';
import type { ProcessEvent } from '@fedrisk/shared';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

describe('hold timers', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('a timer stands still while suspended and fires with the time it had left', () => {
    const timers = createHoldTimers(() => Date.now());
    const fired = vi.fn();
    timers.set(1000, fired);
    vi.advanceTimersByTime(600);
    timers.suspend();
    vi.advanceTimersByTime(10_000);
    expect(fired).not.toHaveBeenCalled();
    timers.resume();
    vi.advanceTimersByTime(399);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fired).toHaveBeenCalledOnce();
  });

  it('a timer set while suspended starts when resumed; clear and clearAll stop timers', () => {
    const timers = createHoldTimers(() => Date.now());
    const a = vi.fn();
    const b = vi.fn();
    timers.suspend();
    timers.set(100, a);
    const hb = timers.set(100, b);
    vi.advanceTimersByTime(1000);
    timers.resume();
    timers.clear(hb);
    vi.advanceTimersByTime(100);
    expect(a).toHaveBeenCalledOnce();
    expect(b).not.toHaveBeenCalled();
    const c = vi.fn();
    timers.set(50, c);
    timers.clearAll();
    vi.advanceTimersByTime(100);
    expect(c).not.toHaveBeenCalled();
  });

  it('the timers stand still exactly while something waits at the gate; release lets everything go', async () => {
    const timers = createHoldTimers(() => Date.now());
    const releases: (() => void)[] = [];
    const hold = createHold(() => new Promise<void>((r) => releases.push(r)), timers);
    const timeout = vi.fn();
    timers.set(500, timeout);
    const first = hold.at({ kind: 'phase', name: 'align' });
    const second = hold.at({ kind: 'message', name: 'psi.blinded', from: 'bank', to: 'coordinator' });
    vi.advanceTimersByTime(5000);
    expect(timeout).not.toHaveBeenCalled();
    releases[0]?.();
    await first;
    vi.advanceTimersByTime(5000);
    expect(timeout).not.toHaveBeenCalled();
    hold.release();
    await second;
    // nothing is held any more: the timer runs out
    await hold.at({ kind: 'phase', name: 'keys' });
    vi.advanceTimersByTime(500);
    expect(timeout).toHaveBeenCalledOnce();
  });
});

describe('step channel', () => {
  it('writes a step event per point and goes on when its id comes back; ignores other lines; lets go when the input ends', async () => {
    const input = new PassThrough();
    const events: ProcessEvent[] = [];
    const channel = createStepChannel(input, (e) => events.push(e));
    let passed = 0;
    const a = channel.gate({ kind: 'phase', name: 'join' }).then(() => passed++);
    const b = channel.gate({ kind: 'message', name: 'hello', from: 'bank', to: 'coordinator' }).then(() => passed++);
    expect(events).toEqual([
      { event: 'step', id: 0, point: { kind: 'phase', name: 'join' } },
      { event: 'step', id: 1, point: { kind: 'message', name: 'hello', from: 'bank', to: 'coordinator' } },
    ]);
    input.write('not json\n{"go":"1"}\n{"go":1}\n');
    await b;
    expect(passed).toBe(1);
    input.end();
    await a;
    expect(passed).toBe(2);
    // the runner is gone: nothing is held again
    await channel.gate({ kind: 'phase', name: 'keys' });
    expect(events).toHaveLength(2);
    channel.close();
  });
});
