import { readFileSync } from 'node:fs';
import { createLinkShaper, isShaped, networkSchema, parseScenario } from '@fedrisk/shared';
import { describe, expect, it } from 'vitest';

describe('simulated network links', () => {
  it('adds the latency, and queues frames on a link behind each other for the bandwidth', () => {
    let now = 0;
    const shaper = createLinkShaper({ latencyMs: 20, bandwidthMbps: 8 }, () => now); // 8 Mbit/s = 1 byte per microsecond
    expect(shaper.delay('a', 'up', 0)).toBe(20);
    expect(shaper.delay('a', 'up', 1000)).toBe(21); // 1 ms on the wire + 20 ms
    expect(shaper.delay('a', 'up', 1000)).toBe(22); // waits for the first frame to leave
    expect(shaper.delay('b', 'up', 1000)).toBe(21); // another link is not busy
    expect(shaper.delay('a', 'down', 1000)).toBe(21); // nor the other direction of the same link
    now = 100;
    expect(shaper.delay('a', 'up', 2000)).toBe(22); // the link is idle again
  });

  it('does nothing without conditions', () => {
    const shaper = createLinkShaper({ latencyMs: 0 }, () => 5);
    expect(shaper.delay('a', 'up', 10_000_000)).toBe(0);
    expect(isShaped({ latencyMs: 0 })).toBe(false);
    expect(isShaped({ latencyMs: 0, links: { tax: {} } })).toBe(false);
    expect(isShaped(undefined)).toBe(false);
  });

  it("a party's own link overrides the network's values field by field", () => {
    const net = networkSchema.parse({ latencyMs: 30, bandwidthMbps: 80, links: { tax: { latencyMs: 80, bandwidthMbps: 8 }, guarantor: { latencyMs: 5 } } });
    const shaper = createLinkShaper(net, () => 0);
    expect(shaper.delay('bank', 'down', 1000)).toBe(30.1); // the network's values
    expect(shaper.delay('tax', 'down', 1000)).toBe(81); // its own latency and bandwidth
    expect(shaper.delay('guarantor', 'down', 1000)).toBe(5.1); // its own latency, the network's bandwidth
    // a link alone makes the coordinator shape
    expect(isShaped({ latencyMs: 0, links: { tax: { bandwidthMbps: 10 } } })).toBe(true);
    expect(isShaped({ latencyMs: 0, links: { tax: { latencyMs: 1 } } })).toBe(true);
  });

  it('refuses loss and unknown fields, and a link for a party that is not in the scenario', () => {
    expect(networkSchema.safeParse({ links: { tax: { lossPercent: 1 } } }).success).toBe(false);
    const text = readFileSync(new URL('../../scenarios/default.yaml', import.meta.url), 'utf8');
    const net = (links: string) => `${text}\nnetwork:\n  latencyMs: 30\n  links:\n${links}\n`;
    expect(parseScenario(net('    tax: { latencyMs: 80, bandwidthMbps: 10 }'), 'x.yaml').network.links).toEqual({ tax: { latencyMs: 80, bandwidthMbps: 10 } });
    expect(() => parseScenario(net('    taxx: { latencyMs: 80 }'), 'x.yaml')).toThrow(
      /network\.links\.taxx.*"taxx" is not one of the parties.*did you mean "tax"/s,
    );
  });
});
