/**
 * The coordinator's relay of the reasons step and its refinement: the shape
 * is fixed (one compare per holder, one operand from every sender to every
 * later holder, one masked ciphertext per holder), and anything out of that
 * shape, out of order, twice or from the wrong party is refused with a coded
 * error. The relay is driven directly, with a recording send.
 */
import { createPhaseClock, type JobDeps, reasonsRelay } from '@fedrisk/coordinator';
import { silentLogger } from '@fedrisk/shared';
import { describe, expect, it } from 'vitest';
import { codeOf } from '../helpers/fixtures.ts';

function relay() {
  const sent: string[] = [];
  const phases = createPhaseClock(
    () => 0,
    () => {},
    silentLogger(),
  );
  const deps = {
    config: { jobId: 'job-r', recipient: 'bank', parties: ['bank', 'tax', 'guarantor'].map((id) => ({ id, role: id })) },
    phases,
    send: (to: string, msg: { type: string }) => sent.push(`${msg.type} -> ${to}`),
  } as unknown as JobDeps;
  const step = reasonsRelay(deps);
  phases.enter('decrypt');
  const call = (party: string, type: string, to: string) => {
    const handler = step.handlers[type as 'reasons.compare'] as unknown as (p: string, m: object, b: Uint8Array[]) => void;
    return codeOf(() => handler(party, { type, jobId: 'job-r', to, signature: 'x' }, []));
  };
  return { call, sent, step };
}

describe('the reasons relay', () => {
  it('relays the fixed shape in order, and refuses every message out of it', () => {
    const { call, sent } = relay();
    expect(call('bank', 'reasons.request', 'tax')).toBeUndefined();
    expect(call('bank', 'reasons.request', 'guarantor')).toBeUndefined();
    expect(call('tax', 'reasons.reply', 'bank')).toBeUndefined();
    // no compare before every holder answered
    expect(call('bank', 'reasons.compare', 'tax')).toBe('PROTO_ERR_UNEXPECTED');
    expect(call('guarantor', 'reasons.reply', 'bank')).toBeUndefined();
    // only the recipient plans, once per holder
    expect(call('tax', 'reasons.compare', 'guarantor')).toBe('PROTO_ERR_UNEXPECTED');
    expect(call('bank', 'reasons.compare', 'tax')).toBeUndefined();
    expect(call('bank', 'reasons.compare', 'tax')).toBe('PROTO_ERR_UNEXPECTED');
    // the recipient's operands only once every holder has its plan
    expect(call('bank', 'reasons.operand', 'tax')).toBe('PROTO_ERR_UNEXPECTED');
    expect(call('bank', 'reasons.compare', 'guarantor')).toBeUndefined();
    // operands go from earlier to later only, once each
    expect(call('guarantor', 'reasons.operand', 'tax')).toBe('PROTO_ERR_UNEXPECTED');
    expect(call('bank', 'reasons.operand', 'tax')).toBeUndefined();
    expect(call('bank', 'reasons.operand', 'guarantor')).toBeUndefined();
    expect(call('bank', 'reasons.operand', 'guarantor')).toBe('PROTO_ERR_UNEXPECTED');
    // a masker answers once it has every operand it is owed, to the recipient only, once
    expect(call('guarantor', 'reasons.masked', 'bank')).toBe('PROTO_ERR_UNEXPECTED');
    expect(call('tax', 'reasons.operand', 'guarantor')).toBeUndefined();
    expect(call('guarantor', 'reasons.masked', 'tax')).toBe('PROTO_ERR_UNEXPECTED');
    expect(call('guarantor', 'reasons.masked', 'bank')).toBeUndefined();
    expect(call('guarantor', 'reasons.masked', 'bank')).toBe('PROTO_ERR_UNEXPECTED');
    expect(call('tax', 'reasons.masked', 'bank')).toBeUndefined();
    expect(sent).toEqual([
      'reasons.request -> tax',
      'reasons.request -> guarantor',
      'reasons.reply -> bank',
      'reasons.reply -> bank',
      'reasons.compare -> tax',
      'reasons.compare -> guarantor',
      'reasons.operand -> tax',
      'reasons.operand -> guarantor',
      'reasons.operand -> guarantor',
      'reasons.masked -> bank',
      'reasons.masked -> bank',
    ]);
  });
});
