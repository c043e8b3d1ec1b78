import { readFileSync } from 'node:fs';
import { asFedError, ERROR_CODES, FedError, wireToError } from '@fedrisk/shared';
import { describe, expect, it } from 'vitest';

describe('errors', () => {
  it('every code is domain-prefixed and listed in docs/ERRORS.md', () => {
    const doc = readFileSync(new URL('../../docs/ERRORS.md', import.meta.url), 'utf8');
    for (const code of Object.keys(ERROR_CODES)) {
      expect(code).toMatch(/^(PROTO|AUTH|JOB|CRYPTO|DATA|SCENARIO|RUN|CONFIG)_ERR_[A-Z_]+$/);
      expect(doc, `docs/ERRORS.md lacks ${code}`).toContain(`\`${code}\``);
    }
  });

  it('crosses the wire with its code, message and details', () => {
    const err = new FedError('JOB_ERR_PARTY_LOST', 'tax left', { details: { party: 'tax' } });
    const back = wireToError(JSON.parse(JSON.stringify(err.toWire())));
    expect(back).toBeInstanceOf(FedError);
    expect(back.code).toBe('JOB_ERR_PARTY_LOST');
    expect(back.message).toBe('tax left');
    expect(back.details).toEqual({ party: 'tax' });
  });

  it('keeps the cause when wrapping', () => {
    const cause = new Error('disk on fire');
    const err = asFedError(cause, 'DATA_ERR_FILE', 'cannot read');
    expect(err.code).toBe('DATA_ERR_FILE');
    expect(err.cause).toBe(cause);
    expect(err.message).toBe('cannot read: disk on fire');
  });
});
