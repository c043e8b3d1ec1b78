/** Steps run once: the coordinator's phase clock and the node's step guard refuse a second run with a coded internal error. */
import { combineHandlers } from '@fedrisk/coordinator';
import { silentLogger } from '@fedrisk/shared';
import { describe, expect, it } from 'vitest';
import { codeOf } from '../helpers/fixtures.ts';

describe('each step runs once', () => {
  it('a phase entered a second time is JOB_ERR_INTERNAL', async () => {
    const { createPhaseClock } = await import('@fedrisk/coordinator');
    let t = 0;
    const events: unknown[] = [];
    const clock = createPhaseClock(
      () => t++,
      (e) => events.push(e),
      silentLogger(),
    );
    clock.enter('align');
    clock.enter('keys');
    clock.enter('encrypt');
    clock.enter('aggregate');
    expect(codeOf(() => clock.enter('aggregate'))).toBe('JOB_ERR_INTERNAL');
    expect(codeOf(() => clock.enter('keys'))).toBe('JOB_ERR_INTERNAL');
    expect(clock.phases.map((p) => p.name)).toEqual(['join', 'align', 'keys', 'encrypt']);
    // a message for another phase is out of turn, with its own code
    expect(codeOf(() => clock.expect('tax', 'keys.share', 'keys'))).toBe('PROTO_ERR_UNEXPECTED');
    clock.close();
    clock.close();
    expect(clock.phases.map((p) => p.name)).toEqual(['join', 'align', 'keys', 'encrypt', 'aggregate']);
    expect(codeOf(() => clock.enter('decrypt'))).toBe('JOB_ERR_INTERNAL');
  });

  it("a node's step started twice is JOB_ERR_INTERNAL", async () => {
    const { StepGuard } = await import('@fedrisk/node');
    const steps = new StepGuard();
    steps.begin('partial');
    expect(steps.has('partial')).toBe(true);
    expect(codeOf(() => steps.begin('partial'))).toBe('JOB_ERR_INTERNAL');
  });

  it('two handlers for one message type are refused when a job or node is assembled', async () => {
    expect(() => combineHandlers({ 'keys.share': () => {} }, { 'keys.share': () => {} })).toThrow(/two handlers for message type keys.share/);
    const { mergeHandlers } = await import('@fedrisk/node');
    expect(() => mergeHandlers({ psi: { 'align.done': () => {} }, keys: { 'align.done': () => {} } })).toThrow(
      /align.done has two handlers: steps "psi" and "keys"/,
    );
  });
});
