/**
 * A coordinator that deviates from the protocol cannot stand in for the bank:
 * a holder answers PSI only for blinded points signed by the bank's identity
 * key, and takes an applicant list only if it names each business once.
 */
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createNode, type NodeOutcome } from '@fedrisk/node';
import {
  type CoordinatorMessage,
  createIdentity,
  DEFAULT_CKKS,
  decodeNodeFrame,
  encodeFrame,
  encodeIdList,
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
  type Send = (msg: Outgoing<CoordinatorMessage>, blobs?: Uint8Array[]) => void;
  /** A coordinator of its own making starts a job at tax (`started`: alignment and PSI hash) and, in the bank's name, `act`s. */
  async function deviate(
    agreed: { alignment: 'psi' | 'query'; psiHash: 'sha256' | 'random-oracle' },
    started: { alignment: 'psi' | 'query'; psiHash: 'sha256' | 'random-oracle' },
    act: (send: Send) => void,
  ): Promise<{ received: NodeMessage[]; outcome: NodeOutcome }> {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'tax.csv'),
      `business_id,annual_vat_paid,invoice_count,revenue_growth_yoy,tax_credit_grade,months_continuous_filing\n${[1, 2].map((i) => `${makeUscc('370100', i)},100,3,0.1,A,12`).join('\n')}\n`,
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
        ...agreed,
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
      const send: Send = (msg, blobs = []) => ws.send(encodeFrame<CoordinatorMessage>(msg, blobs));
      ws.on('message', (raw: Buffer) => {
        const { msg } = decodeNodeFrame(raw);
        received.push(msg);
        if (msg.type === 'hello') {
          send({ type: 'welcome', party: 'tax' });
          send({
            type: 'job.start',
            jobId: 'job-x',
            keys: 'single-holder',
            ...started,
            kind: 'scoring',
            keyHolder: 'bank',
            recipient: 'bank',
            parties: [
              { id: 'bank', role: 'bank' },
              { id: 'tax', role: 'tax' },
            ],
            ckks: DEFAULT_CKKS,
          });
          act(send);
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
    return { received, outcome: await node.done };
  }
  const errorOf = (received: NodeMessage[]) => received.find((m) => m.type === 'error');
  const psi = (psiHash: 'sha256' | 'random-oracle') => ({ alignment: 'psi' as const, psiHash });
  /** the base point: a valid group element, but not signed by the bank */
  const unsignedPoint = (send: Send) => {
    const point = new Uint8Array(32);
    point[0] = 9;
    send({ type: 'psi.blinded', jobId: 'job-x', from: 'bank', points: 1 }, [point]);
  };

  it("cannot run PSI against a holder in the bank's name: the holder refuses unsigned points", async () => {
    const { received } = await deviate(psi('sha256'), psi('sha256'), unsignedPoint);
    const error = errorOf(received);
    expect(error?.type === 'error' && error.error.code).toBe('CRYPTO_ERR_SIGNATURE');
    expect(received.some((m) => m.type === 'psi.reply')).toBe(false);
  });

  it('cannot downgrade the PSI hash the holder agreed to (random-oracle to sha256)', async () => {
    const { received } = await deviate(psi('random-oracle'), psi('sha256'), unsignedPoint);
    const error = errorOf(received);
    expect(error?.type === 'error' && error.error.code).toBe('JOB_ERR_NOT_AGREED');
    expect(error?.type === 'error' && error.error.message).toMatch(/PSI hash "sha256", agreed "random-oracle"/);
    expect(received.some((m) => m.type === 'psi.reply')).toBe(false);
  });

  it('cannot have a holder take an applicant list that names a business twice, and what the holder saw of it is counted once', async () => {
    const query = { alignment: 'query' as const, psiHash: 'random-oracle' as const };
    // tax serves businesses 1 and 2; the list names 1, 7, 1 again and 8
    const list = [1, 7, 1, 8].map((i) => makeUscc('370100', i));
    const { received, outcome } = await deviate(query, query, (send) =>
      send({ type: 'query.ids', jobId: 'job-x', from: 'bank', count: list.length }, [encodeIdList(list)]),
    );
    const error = errorOf(received);
    expect(error?.type === 'error' && error.error.code).toBe('PROTO_ERR_INVALID');
    expect(error?.type === 'error' && error.error.message).toBe('the applicant list from bank: entry 3 repeats entry 1; each business is listed once');
    expect(JSON.stringify(received)).not.toContain(list[0]);
    // it read the list in the clear: one of its own customers applied, and two businesses it does not serve
    expect(outcome.idsLearned).toMatchObject({ intersection: 1, othersApplicants: 2 });
    expect(outcome.ok).toBe(false);
  });
});
