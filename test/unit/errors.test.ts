import { readFileSync } from 'node:fs';
import { asFedError, ERROR_CODES, FedError, MAX_ERROR_MESSAGE, wireToError } from '@fedrisk/shared';
import { describe, expect, it } from 'vitest';

/** The rows of docs/ERRORS.md's table: code -> [meaning, what to do]. */
function documented(): Map<string, [string, string]> {
  const doc = readFileSync(new URL('../../docs/ERRORS.md', import.meta.url), 'utf8');
  const rows = new Map<string, [string, string]>();
  for (const line of doc.split('\n')) {
    const m = /^\| `([A-Z_]+)` \| (.+) \| (.+) \|$/.exec(line);
    if (m) rows.set(m[1] as string, [m[2] as string, m[3] as string]);
  }
  return rows;
}

describe('errors', () => {
  it('every code is domain-prefixed and listed in docs/ERRORS.md with the same meaning and advice', () => {
    const doc = documented();
    expect(doc.size).toBeGreaterThan(0);
    for (const [code, { meaning, action }] of Object.entries(ERROR_CODES)) {
      expect(code).toMatch(/^(PROTO|AUTH|JOB|CRYPTO|DATA|SCENARIO|RUN|CONFIG)_ERR_[A-Z_]+$/);
      const row = doc.get(code);
      expect(row, `docs/ERRORS.md lacks ${code}`).toBeDefined();
      expect(row?.[0], `meaning of ${code}`).toBe(meaning);
      expect(row?.[1], `advice for ${code}`).toBe(action);
    }
    // and the document lists no code the program does not have
    for (const code of doc.keys()) expect(Object.keys(ERROR_CODES), `docs/ERRORS.md lists unknown ${code}`).toContain(code);
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

  it('bounds its message, whatever the input that caused it', () => {
    const err = new FedError('PROTO_ERR_INVALID', `bad ${'x'.repeat(10_000_000)}`);
    expect(err.message.length).toBeLessThan(MAX_ERROR_MESSAGE + 100);
    expect(err.message).toMatch(/more characters\)$/);
  });
});
