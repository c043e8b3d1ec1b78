/** Console lines that fit 100 columns: wrapping keeps every word, in order, and labels line up. */
import { LINE_WIDTH, wrapLine } from '@fedrisk/runner';
import { createRng } from '@fedrisk/shared';
import { describe, expect, it } from 'vitest';

const words = (lines: readonly string[]) => lines.join(' ').split(/\s+/).filter(Boolean).join(' ');

describe('wrapLine', () => {
  it('keeps every word in order, each line within the width, continuations at their indent', () => {
    const rng = createRng(3);
    for (let k = 0; k < 200; k++) {
      const text = Array.from({ length: 1 + Math.floor(rng.next() * 40) }, () => 'x'.repeat(1 + Math.floor(rng.next() * 14))).join(' ');
      const lines = wrapLine('  label     ', text, 12);
      for (const l of lines) expect(l.length).toBeLessThanOrEqual(LINE_WIDTH);
      for (const l of lines.slice(1)) expect(l).toMatch(/^ {12}\S/);
      expect(words(lines)).toBe(words(['label', text]));
    }
  });

  it('leaves a line that fits alone and cuts a word longer than a line', () => {
    expect(wrapLine('  a ', 'short text', 4)).toEqual(['  a short text']);
    const long = 'y'.repeat(250);
    const lines = wrapLine('', long, 2);
    expect(lines.every((l) => l.length <= LINE_WIDTH)).toBe(true);
    expect(lines.join('').replaceAll(' ', '')).toBe(long);
  });
});
