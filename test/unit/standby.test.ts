/**
 * A participant started ahead of its job reads its start line from stdin:
 * exactly one line, checked, with what follows left for the step channel.
 */
import { PassThrough } from 'node:stream';
import { readStandbyStart, standbyStartLine } from '@fedrisk/shared';
import { describe, expect, it } from 'vitest';

const start = { v: 1 as const, argv: ['--config', '/run/jobs/x/bank.json', '--coordinator', 'wss://127.0.0.1:4100'], env: { FEDRISK_TOKEN: 't0ken' } };

describe('a standby start line', () => {
  it('is read whole, even split across chunks, and what follows stays unread on the stream', async () => {
    const input = new PassThrough();
    const line = standbyStartLine(start);
    const read = readStandbyStart(input);
    input.write(line.slice(0, 10));
    input.write(`${line.slice(10)}{"go":0}\n`);
    expect(await read).toEqual(start);
    // left paused for whoever reads next (the coordinator's step channel resumes it)
    const rest = await new Promise<string>((resolve) => input.once('data', (c: Buffer) => resolve(c.toString('utf8'))).resume());
    expect(rest).toBe('{"go":0}\n');
  });

  it('is absent when the stream ends first: the runner is gone, nothing to do', async () => {
    const input = new PassThrough();
    const read = readStandbyStart(input);
    input.end('{"v":1');
    expect(await read).toBeUndefined();
  });

  it('is refused with CONFIG_ERR_INVALID when it is not JSON, not a start, sets a variable outside FEDRISK_, or never ends', async () => {
    for (const bad of ['not json\n', '{"v":2,"argv":[],"env":{}}\n', '{"v":1,"argv":[],"env":{"NODE_OPTIONS":"--inspect"}}\n', 'x'.repeat(300 * 1024)]) {
      const input = new PassThrough();
      const read = readStandbyStart(input);
      input.write(bad);
      await expect(read, bad.slice(0, 40)).rejects.toMatchObject({ code: 'CONFIG_ERR_INVALID' });
    }
  });

  it('is written only when it is a valid start', () => {
    expect(() => standbyStartLine({ ...start, env: { PATH: '/tmp' } })).toThrow();
  });
});
