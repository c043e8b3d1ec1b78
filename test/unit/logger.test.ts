import { Writable } from 'node:stream';
import { createLogger } from '@fedrisk/shared';
import { describe, expect, it } from 'vitest';

describe('logger', () => {
  it('censors private fields even if code logs them by mistake', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const log = createLogger({ name: 't', destination: sink }).child({ module: 'x' });
    log.info({ token: 'hunter2-secret-token', values: [0.123456789], msg2: { secretKey: 'sk-bytes' }, ids: ['X'] }, 'oops');
    const text = lines.join('');
    expect(text).toContain('oops');
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('0.123456789');
    expect(text).not.toContain('sk-bytes');
    expect(text).toContain('[redacted]');
  });
});
