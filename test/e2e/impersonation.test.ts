/**
 * A coordinator that deviates from the protocol cannot stand in for the bank:
 * a holder answers PSI only for blinded points signed by the bank's identity key.
 */
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createNode } from '@fedrisk/node';
import {
  type CoordinatorMessage,
  createIdentity,
  DEFAULT_CKKS,
  decodeNodeFrame,
  encodeFrame,
  loadSeal,
  makeUscc,
  type NodeConfigInput,
  type NodeMessage,
  type Outgoing,
  silentLogger,
} from '@fedrisk/shared';
import { describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { tempDir } from '../helpers/fixtures.ts';

describe('a deviating coordinator', () => {
  /** A coordinator of its own making starts a PSI job at tax under `startedHash` and sends an unsigned point in the bank's name. */
  async function deviate(agreedHash: 'sha256' | 'random-oracle', startedHash: 'sha256' | 'random-oracle'): Promise<NodeMessage[]> {
    const dir = tempDir();
    const id = makeUscc('370100', 1);
    writeFileSync(
      join(dir, 'tax.csv'),
      `business_id,annual_vat_paid,invoice_count,revenue_growth_yoy,tax_credit_grade,months_continuous_filing\n${id},100,3,0.1,A,12\n`,
    );
    const bank = createIdentity();
    const tax = createIdentity();
    writeFileSync(join(dir, 'tax.key'), tax.privateKey);
    const config: NodeConfigInput = {
      party: 'tax',
      role: 'tax',
      data: join(dir, 'tax.csv'),
      model: { intercept: 0, features: { invoice_count: { transform: 'z', weight: 1 } } },
      outDir: join(dir, 'out'),
      identityKeyFile: join(dir, 'tax.key'),
      agreement: {
        jobId: 'job-x',
        kind: 'scoring',
        keys: 'single-holder',
        alignment: 'psi',
        psiHash: agreedHash,
        recipient: 'bank',
        keyHolder: 'bank',
        parties: [
          { id: 'bank', role: 'bank' },
          { id: 'tax', role: 'tax' },
        ],
        ckks: DEFAULT_CKKS,
        maxApplicants: 10,
      },
      roster: [
        { party: 'bank', role: 'bank', publicKey: bank.publicKey },
        { party: 'tax', role: 'tax', publicKey: tax.publicKey },
      ],
    };
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await once(wss, 'listening');
    const received: NodeMessage[] = [];
    const { promise: errored, resolve: gotError } = Promise.withResolvers<void>();
    wss.on('connection', (ws) => {
      const send = (msg: Outgoing<CoordinatorMessage>, blobs: Uint8Array[] = []) => ws.send(encodeFrame<CoordinatorMessage>(msg, blobs));
      ws.on('message', (raw: Buffer) => {
        const { msg } = decodeNodeFrame(raw);
        received.push(msg);
        if (msg.type === 'hello') {
          send({ type: 'welcome', party: 'tax' });
          send({
            type: 'job.start',
            jobId: 'job-x',
            keys: 'single-holder',
            alignment: 'psi',
            psiHash: startedHash,
            kind: 'scoring',
            keyHolder: 'bank',
            recipient: 'bank',
            parties: [
              { id: 'bank', role: 'bank' },
              { id: 'tax', role: 'tax' },
            ],
            ckks: DEFAULT_CKKS,
          });
          // the base point: a valid group element, but not signed by the bank
          const point = new Uint8Array(32);
          point[0] = 9;
          send({ type: 'psi.blinded', jobId: 'job-x', from: 'bank', points: 1 }, [point]);
        }
        if (msg.type === 'error') gotError();
      });
    });
    await using node = createNode({
      config,
      url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`,
      token: 'a-credential-long-enough',
      seal: await loadSeal(),
      logger: silentLogger(),
    });
    await using _server = {
      [Symbol.asyncDispose]: async () => {
        for (const c of wss.clients) c.terminate();
        await new Promise((r) => wss.close(r));
      },
    };
    await node.start();
    await errored;
    return received;
  }
  const errorOf = (received: NodeMessage[]) => received.find((m) => m.type === 'error');

  it("cannot run PSI against a holder in the bank's name: the holder refuses unsigned points", async () => {
    const received = await deviate('sha256', 'sha256');
    const error = errorOf(received);
    expect(error?.type === 'error' && error.error.code).toBe('CRYPTO_ERR_SIGNATURE');
    expect(received.some((m) => m.type === 'psi.reply')).toBe(false);
  });

  it('cannot downgrade the PSI hash the holder agreed to (random-oracle to sha256)', async () => {
    const received = await deviate('random-oracle', 'sha256');
    const error = errorOf(received);
    expect(error?.type === 'error' && error.error.code).toBe('JOB_ERR_NOT_AGREED');
    expect(error?.type === 'error' && error.error.message).toMatch(/PSI hash "sha256", agreed "random-oracle"/);
    expect(received.some((m) => m.type === 'psi.reply')).toBe(false);
  });
});
