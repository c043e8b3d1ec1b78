import { makeUscc, usccProblem } from '@fedrisk/shared';
import { describe, expect, it } from 'vitest';

describe('unified social credit codes', () => {
  it('makes 18-character codes that pass their own check', () => {
    for (const serial of [0, 1, 12345678, 99999999]) {
      const code = makeUscc('370200', serial);
      expect(code).toHaveLength(18);
      expect(code.slice(2, 8)).toBe('370200');
      expect(usccProblem(code)).toBeUndefined();
    }
  });

  it('accepts codes that circulate as public examples', () => {
    expect(usccProblem('91350100M000100Y43')).toBeUndefined();
    expect(usccProblem('91110000802100433B')).toBeUndefined();
  });

  it('says what is wrong with a bad code', () => {
    const good = makeUscc('370100', 4242);
    expect(usccProblem(good.slice(0, 17))).toMatch(/18 characters/);
    expect(usccProblem(`${good.slice(0, 17)}${good[17] === '0' ? '1' : '0'}`)).toMatch(/check character/);
    expect(usccProblem(`${good.slice(0, 5)}I${good.slice(6)}`)).toMatch(/"I" is not allowed/);
    expect(usccProblem(`91ABCDEF${good.slice(8)}`)).toMatch(/division/);
  });
});
