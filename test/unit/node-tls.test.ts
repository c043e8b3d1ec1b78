import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runNodeMain } from '@fedrisk/node';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/fixtures.ts';

/** A node that trusts a CA, told to join at `url`: what runNodeMain does before it reads any data or opens any socket. */
async function joinAt(url: string): Promise<unknown> {
  const dir = tempDir();
  const config = join(dir, 'config.json');
  // the data file does not exist: a node that got past the URL check fails on it instead
  writeFileSync(
    config,
    JSON.stringify({ party: 'tax', role: 'tax', data: join(dir, 'absent.csv'), outDir: join(dir, 'out'), tls: { ca: join(dir, 'ca.pem') } }),
  );
  return runNodeMain({ configFile: config, coordinatorUrl: url, token: 'a-credential-long-enough', logLevel: 'silent', onEvent: () => {} }).catch(
    (err: unknown) => err,
  );
}

describe('a node that trusts a CA', () => {
  it('refuses a ws:// coordinator: its credential would cross the network in clear', async () => {
    const err = (await joinAt('ws://10.0.0.1:4100')) as { code: string; message: string };
    expect(err.code).toBe('CONFIG_ERR_INVALID');
    expect(err.message).toBe('tax trusts a CA (tls.ca), so it joins only over wss://, not ws://10.0.0.1:4100');
  });

  it('goes on to its data with a wss:// coordinator', async () => {
    const err = (await joinAt('wss://10.0.0.1:4100')) as { code: string; message: string };
    expect(err.message).not.toMatch(/joins only over wss/);
    expect(err.code).toMatch(/^(DATA|CONFIG)_ERR_/);
  });
});
