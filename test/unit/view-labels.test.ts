/**
 * The live page and report.html label every phase, knowledge kind and message
 * type in Chinese and English, and place every message in a phase: a step
 * added to the protocol without them would show as a bare key, or in no phase.
 */

import { ANY_PHASE_TYPES, LABELS, MESSAGE_TYPES, phaseOfMessage } from '@fedrisk/runner';
import { KNOWLEDGE_KINDS, phaseNameSchema } from '@fedrisk/shared';
import { describe, expect, it } from 'vitest';

const missing = (keys: readonly string[]) => keys.filter((k) => !LABELS[k]?.zh || !LABELS[k]?.en);

describe('view labels', () => {
  it('label every phase, knowledge kind and message type in both languages', () => {
    const keys = [...phaseNameSchema.options.map((p) => `phase.${p}`), ...KNOWLEDGE_KINDS.map((k) => `kind.${k}`), ...MESSAGE_TYPES.map((t) => `msg.${t}`)];
    expect(missing(keys)).toEqual([]);
  });

  it('place every message type in a phase the protocol has', () => {
    const phases = new Set<string>(phaseNameSchema.options);
    const placed = MESSAGE_TYPES.filter((t) => !ANY_PHASE_TYPES.has(t)).map((t) => [t, phaseOfMessage(t)] as const);
    expect(placed.filter(([, p]) => p === undefined || !phases.has(p)).map(([t]) => t)).toEqual([]);
  });

  it('the check finds a type that is not labelled', () => {
    expect(missing(['msg.not.a.message'])).toEqual(['msg.not.a.message']);
  });
});
