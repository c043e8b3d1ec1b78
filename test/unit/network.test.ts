import { createLinkShaper } from '@fedrisk/shared';
import { describe, expect, it } from 'vitest';

describe('simulated network links', () => {
  it('adds the latency, and queues frames on a link behind each other for the bandwidth', () => {
    let now = 0;
    const shaper = createLinkShaper({ latencyMs: 20, bandwidthMbps: 8 }, () => now); // 8 Mbit/s = 1 byte per microsecond
    expect(shaper.delay('a>c', 0)).toBe(20);
    expect(shaper.delay('a>c', 1000)).toBe(21); // 1 ms on the wire + 20 ms
    expect(shaper.delay('a>c', 1000)).toBe(22); // waits for the first frame to leave
    expect(shaper.delay('b>c', 1000)).toBe(21); // another link is not busy
    now = 100;
    expect(shaper.delay('a>c', 2000)).toBe(22); // the link is idle again
  });

  it('does nothing without conditions', () => {
    const shaper = createLinkShaper({ latencyMs: 0 }, () => 5);
    expect(shaper.delay('a>c', 10_000_000)).toBe(0);
  });
});
