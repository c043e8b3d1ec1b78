import {
  coordinatorConfigSchema,
  DEFAULT_CKKS,
  decodeCoordinatorFrame,
  decodeIdList,
  decodeNodeFrame,
  encodeFrame,
  encodeIdList,
  type FedError,
  firstRepeat,
  knowledgeOf,
  type NodeMessage,
  PROTOCOL_VERSION,
} from '@fedrisk/shared';
import { describe, expect, it } from 'vitest';
import { codeOf } from '../helpers/fixtures.ts';

const ID = '91370100MA3C5L2X1Y';

describe('wire protocol', () => {
  it('round-trips a message with binary blobs and reports its size', () => {
    const blobs = [Uint8Array.from([1, 2, 3]), Uint8Array.from([9, 8])];
    const frame = encodeFrame<NodeMessage>({ type: 'scores.partial', jobId: 'j1', slots: 5, chunks: 2 }, blobs);
    const decoded = decodeNodeFrame(Buffer.from(frame));
    expect(decoded.msg).toEqual({ v: PROTOCOL_VERSION, type: 'scores.partial', jobId: 'j1', slots: 5, chunks: 2 });
    expect(decoded.blobs.map((b) => Array.from(b))).toEqual([
      [1, 2, 3],
      [9, 8],
    ]);
    expect(decoded.blobs[0]).not.toBeInstanceOf(Buffer);
    expect(decoded.bytes).toBe(frame.length);
  });

  it('accepts a text frame holding the JSON envelope', () => {
    const text = JSON.stringify({ v: 1, type: 'result.done', jobId: 'j1', scored: 3 });
    expect(decodeNodeFrame(text).msg.type).toBe('result.done');
  });

  it('refuses frames that are not JSON, cut short or padded', () => {
    expect(codeOf(() => decodeNodeFrame('not json'))).toBe('PROTO_ERR_MALFORMED');
    expect(codeOf(() => decodeNodeFrame(Buffer.from([0, 0])))).toBe('PROTO_ERR_MALFORMED');
    const frame = Buffer.from(encodeFrame<NodeMessage>({ type: 'keys.public', jobId: 'j1' }, [Uint8Array.from([7])]));
    expect(codeOf(() => decodeNodeFrame(frame.subarray(0, frame.length - 1)))).toBe('PROTO_ERR_MALFORMED');
    expect(codeOf(() => decodeNodeFrame(Buffer.concat([frame, Buffer.from([0])])))).toBe('PROTO_ERR_MALFORMED');
  });

  it('refuses another protocol version with its own code', () => {
    expect(codeOf(() => decodeNodeFrame(JSON.stringify({ v: 2, type: 'result.done', jobId: 'j', scored: 1 })))).toBe('PROTO_ERR_VERSION');
    expect(codeOf(() => decodeNodeFrame(JSON.stringify({ type: 'result.done', jobId: 'j', scored: 1 })))).toBe('PROTO_ERR_VERSION');
  });

  it('names the offending field of an invalid message', () => {
    try {
      decodeCoordinatorFrame(JSON.stringify({ v: 1, type: 'decrypt.request', jobId: 'j', slots: 1, digests: ['a'.repeat(64), 'not a digest'] }));
      expect.unreachable();
    } catch (err) {
      expect((err as FedError).code).toBe('PROTO_ERR_INVALID');
      expect((err as FedError).message).toContain('digests.1');
    }
    expect(codeOf(() => decodeNodeFrame(JSON.stringify({ v: 1, type: 'nope' })))).toBe('PROTO_ERR_INVALID');
    expect(codeOf(() => decodeNodeFrame(JSON.stringify({ v: 1, type: 'result.done', jobId: 'j', scored: 1, extra: true })))).toBe('PROTO_ERR_INVALID');
  });

  it('checks that a message carries exactly the blobs its type needs', () => {
    expect(codeOf(() => decodeNodeFrame(JSON.stringify({ v: 1, type: 'keys.public', jobId: 'j' })))).toBe('PROTO_ERR_INVALID');
    expect(codeOf(() => encodeFrame<NodeMessage>({ type: 'scores.partial', jobId: 'j', slots: 1, chunks: 2 }, [Uint8Array.from([1])]))).toBe(
      'PROTO_ERR_INVALID',
    );
  });

  it('auth.grants carries no count in the clear: how many grants are real would give the coordinator the overlap', () => {
    const sig = 'A'.repeat(88);
    const grants = { type: 'auth.grants', jobId: 'j', to: 'tax', purpose: 'credit assessment', signature: sig } as const;
    const blob = [Uint8Array.from([1, 2, 3])];
    expect(decodeNodeFrame(Buffer.from(encodeFrame<NodeMessage>(grants, blob))).msg.type).toBe('auth.grants');
    // the same message with the count it once carried is refused (strict schema): the field is gone, not just unused
    const withCount = encodeFrame<NodeMessage>({ ...grants, grants: 4718 } as unknown as NodeMessage, blob);
    expect(codeOf(() => decodeNodeFrame(Buffer.from(withCount)))).toBe('PROTO_ERR_INVALID');
  });

  it('keeps the two directions apart', () => {
    const welcome = JSON.stringify({ v: 1, type: 'welcome', party: 'bank' });
    expect(decodeCoordinatorFrame(welcome).msg.type).toBe('welcome');
    expect(codeOf(() => decodeNodeFrame(welcome))).toBe('PROTO_ERR_INVALID');
  });

  it('counts what a message tells its receiver from its content', () => {
    const q = decodeNodeFrame(Buffer.from(encodeFrame<NodeMessage>({ type: 'query.ids', jobId: 'j', count: 2 }, [encodeIdList([ID, ID])])));
    expect(knowledgeOf(q.msg, q.blobs)).toEqual({ businessIds: 2 });
    const c = decodeNodeFrame(
      Buffer.from(
        encodeFrame<NodeMessage>({ type: 'scores.partial', jobId: 'j', slots: 9, chunks: 3 }, [new Uint8Array(1), new Uint8Array(1), new Uint8Array(1)]),
      ),
    );
    expect(knowledgeOf(c.msg, c.blobs)).toEqual({ ciphertexts: 3 });
  });
});

describe('id lists', () => {
  const list = (ids: string[]) => encodeIdList(ids);
  it('carries a query as one blob and gives back the same ids, in order', () => {
    const ids = [ID, 'a', 'B-2_x.y:z', 'x'.repeat(64)];
    const frame = encodeFrame<NodeMessage>({ type: 'query.ids', jobId: 'j', count: ids.length }, [list(ids)]);
    const { msg, blobs } = decodeNodeFrame(Buffer.from(frame));
    expect(msg.type === 'query.ids' && msg.count).toBe(4);
    expect(decodeIdList(blobs[0] as Uint8Array, 4, 'the list')).toEqual(ids);
  });

  it('refuses a list whose count, ids or size are wrong, saying which id', () => {
    expect(codeOf(() => decodeIdList(list([ID, ID]), 3, 'the list'))).toBe('PROTO_ERR_INVALID');
    expect(codeOf(() => decodeIdList(list([ID, ID, ID]), 2, 'the list'))).toBe('PROTO_ERR_INVALID');
    for (const bad of ['', 'not an id!', '-starts-with-dash', 'x'.repeat(65), 'caf\u00e9', 'a\rb']) {
      try {
        decodeIdList(list([ID, bad, ID]), 3, 'the list');
        expect.unreachable(bad);
      } catch (err) {
        expect((err as FedError).code).toBe('PROTO_ERR_INVALID');
        // the offending id is named by its place, never echoed
        expect((err as FedError).message).toMatch(/^the list: (id 2 is not a record id|\d+ bytes cannot hold 3 record ids|the list holds \d+ ids)/);
        if (bad.length > 3) expect((err as FedError).message).not.toContain(bad);
      }
    }
    // an id listed twice, however far apart: the holder finds its place (steps/query.ts refuses the list with it)
    const twice = ['a', 'b', ID, 'c', ID];
    expect(firstRepeat(decodeIdList(list(twice), 5, 'the list'))).toEqual({ at: 4, first: 2 });
    expect(firstRepeat(twice.slice(0, 4))).toBeUndefined();
    expect(firstRepeat(['x', 'x'])).toEqual({ at: 1, first: 0 });
    expect(firstRepeat([])).toBeUndefined();
    // a frame whose blob is longer than its count allows is refused before anyone reads it
    const long = encodeFrame<NodeMessage>({ type: 'query.ids', jobId: 'j', count: 1 }, [new Uint8Array(66)]);
    expect(codeOf(() => decodeNodeFrame(Buffer.from(long)))).toBe('PROTO_ERR_INVALID');
    expect(codeOf(() => encodeFrame<NodeMessage>({ type: 'query.ids', jobId: 'j', count: 1 }, []))).toBe('PROTO_ERR_INVALID');
  });
});

describe('PSI frames', () => {
  it('checks that blinded-point blobs match the counts in their header', () => {
    const ok = encodeFrame<NodeMessage>({ type: 'psi.blinded', jobId: 'j', to: 'tax', points: 2 }, [new Uint8Array(64)]);
    expect(decodeNodeFrame(Buffer.from(ok)).msg.type).toBe('psi.blinded');
    const short = encodeFrame<NodeMessage>({ type: 'psi.blinded', jobId: 'j', to: 'tax', points: 3 }, [new Uint8Array(64)]);
    expect(codeOf(() => decodeNodeFrame(Buffer.from(short)))).toBe('PROTO_ERR_INVALID');
    const reply = encodeFrame<NodeMessage>({ type: 'psi.reply', jobId: 'j', to: 'bank', points: 1, ownPoints: 0 }, [new Uint8Array(32), new Uint8Array(0)]);
    expect(decodeNodeFrame(Buffer.from(reply)).blobs.map((b) => b.length)).toEqual([32, 0]);
    // slot assignments are sealed to the holder: one blob, whose size says nothing the header could check
    const assign = encodeFrame<NodeMessage>({ type: 'psi.assign', jobId: 'j', to: 'tax' }, [new Uint8Array(4)]);
    expect(decodeNodeFrame(Buffer.from(assign)).blobs.map((b) => b.length)).toEqual([4]);
    expect(codeOf(() => decodeNodeFrame(JSON.stringify({ v: 1, type: 'psi.assign', jobId: 'j', to: 'tax' })))).toBe('PROTO_ERR_INVALID');
  });
});

describe('reusing an alignment is for PSI scoring jobs only', () => {
  const coordinator = {
    jobId: 'job-2',
    keys: 'threshold',
    alignment: 'psi',
    recipient: 'bank',
    ckks: DEFAULT_CKKS,
    parties: [{ id: 'bank', role: 'bank', tokenSha256: 'a'.repeat(64) }],
    reuseAlignment: 'job-1',
  };
  it('a coordinator config that reuses under query, or for training, is refused; under psi scoring it is accepted', () => {
    expect(coordinatorConfigSchema.safeParse(coordinator).success).toBe(true);
    expect(coordinatorConfigSchema.safeParse({ ...coordinator, alignment: 'query' }).error?.issues[0]?.path).toEqual(['reuseAlignment']);
    expect(coordinatorConfigSchema.safeParse({ ...coordinator, kind: 'training' }).error?.issues[0]?.path).toEqual(['reuseAlignment']);
  });
});
