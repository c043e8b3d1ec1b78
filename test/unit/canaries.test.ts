/** The canary search the leak tests rely on finds exactly what a scan per canary would find. */
import { createRng } from '@fedrisk/shared';
import { describe, expect, it } from 'vitest';
import { foundIn } from '../helpers/canaries.ts';

const rng = createRng(5);
const bytes = (n: number, alphabet = 256) => Buffer.from(Array.from({ length: n }, () => rng.int(0, alphabet - 1)));

describe('foundIn', () => {
  it('agrees with Buffer.includes per canary, for planted, absent, short, overlapping and edge-of-frame canaries', () => {
    for (let round = 0; round < 40; round++) {
      // a small alphabet makes chance matches of a canary's first bytes common
      const frames = Array.from({ length: rng.int(1, 4) }, () => bytes(rng.int(0, 3000), round % 2 ? 4 : 256));
      const needles = Array.from({ length: 30 }, () => bytes(rng.int(1, 12), round % 2 ? 4 : 256));
      for (const f of frames) {
        if (f.length < 16) continue;
        // planted at the start, at the very end, and in the middle
        const [a, b, c] = needles as [Buffer, Buffer, Buffer];
        a.copy(f, 0);
        b.copy(f, f.length - b.length);
        c.copy(f, rng.int(0, f.length - c.length));
      }
      // the same bytes twice (two canaries that happen to be equal) are both reported
      needles.push(Buffer.from(needles[3] as Buffer));
      const expected = needles.filter((n) => frames.some((f) => f.includes(n)));
      expect(foundIn(frames, needles)).toEqual(expected);
    }
  });

  it('reports a canary that is there, so a leak test using it can fail', () => {
    const secret = Buffer.from('3.14159265');
    const frame = Buffer.concat([bytes(5000), secret, bytes(10)]);
    expect(foundIn([bytes(100), frame], [Buffer.from('absent!!'), secret])).toEqual([secret]);
    expect(foundIn([frame.subarray(0, 5009)], [secret])).toEqual([]);
    // a 4-byte canary in a frame's last 4 bytes, and frames that are empty or shorter than any canary
    const tail = Buffer.from('WXYZ');
    expect(foundIn([Buffer.alloc(0), Buffer.from('ab'), Buffer.concat([bytes(50, 4), tail])], [tail, Buffer.from('ab')])).toEqual([tail, Buffer.from('ab')]);
    expect(foundIn([Buffer.alloc(0)], [tail])).toEqual([]);
  });
});
