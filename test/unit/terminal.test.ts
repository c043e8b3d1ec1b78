/** The terminal: progress bars drawn in place, and logs that stay JSON in a file even when asked to be pretty. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createProgressBars } from '@fedrisk/runner';
import { closeLogger, createLogger } from '@fedrisk/shared';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/fixtures.ts';

describe('logs', () => {
  it('a log file gets JSON lines (redacted) even where stderr would be pretty', () => {
    const file = join(tempDir(), 'c.log');
    const log = createLogger({ name: 'coordinator', file, pretty: true });
    log.info({ party: 'bank', values: [0.25] }, 'party joined');
    closeLogger(log);
    const line = JSON.parse(readFileSync(file, 'utf8').trim()) as Record<string, unknown>;
    expect(line).toMatchObject({ name: 'coordinator', party: 'bank', msg: 'party joined', values: '[redacted]' });
  });
});

describe('progress bars', () => {
  it('draws one line in place per step, prints the run above it, and clears it when every party is done', () => {
    let t = 0;
    const out: string[] = [];
    const bars = createProgressBars(
      (text) => out.push(text),
      () => (t += 1000),
    );
    bars.progress('bank', 'encrypt', 1, 4);
    bars.progress('tax', 'encrypt', 2, 4);
    expect(out.at(-1)).toBe('\r\x1b[K  encrypt   [█████████░░░░░░░░░░░░░░░]  37 % · bank 1/4 · tax 2/4');
    bars.line('  join      tax joined');
    // the line replaces the bar, which is drawn again below it
    expect(out.slice(-2)).toEqual(['\r\x1b[K  join      tax joined\n', '\r\x1b[K  encrypt   [█████████░░░░░░░░░░░░░░░]  37 % · bank 1/4 · tax 2/4']);
    bars.progress('bank', 'encrypt', 4, 4);
    bars.progress('tax', 'encrypt', 4, 4);
    expect(out.at(-1)).toBe('\r\x1b[K');
    bars.line('  encrypt   done in 12 ms');
    expect(out.at(-1)).toBe('  encrypt   done in 12 ms\n');
    bars.close();
    expect(out.at(-1)).toBe('  encrypt   done in 12 ms\n');
  });
});
