/**
 * Mutated and malformed frames for the fuzz tests, made from real frames a
 * job sent (the seed corpus) and from nothing: random bytes and text,
 * truncations, deeply nested JSON, fields of the wrong type or version,
 * bogus blob tables and SEAL objects with a wrong magic number or a huge
 * declared size. Seeded: the same seed gives the same frames.
 */
import { createRng, type Rng } from '@fedrisk/shared';

export interface FuzzFrame {
  data: Buffer;
  /** a text frame (data is UTF-8) or a binary one */
  text: boolean;
  /** which mutation made it */
  kind: string;
}

interface Seed {
  header: Record<string, unknown>;
  blobs: Buffer[];
}

/** A binary frame's parts: `[u32 header length][header JSON][blobs]`, blob lengths in the header's `blobs`. */
export function splitSeed(raw: Buffer): Seed | undefined {
  if (raw.length < 4) return undefined;
  const len = raw.readUInt32BE(0);
  if (len > raw.length - 4) return undefined;
  const header = JSON.parse(raw.subarray(4, 4 + len).toString('utf8')) as Record<string, unknown>;
  const lengths = (header.blobs as number[] | undefined) ?? [];
  delete header.blobs;
  const blobs: Buffer[] = [];
  let at = 4 + len;
  for (const n of lengths) {
    blobs.push(raw.subarray(at, at + n));
    at += n;
  }
  return { header, blobs };
}

function joinFrame(header: unknown, blobs: readonly Buffer[], declared?: unknown): Buffer {
  const h = Buffer.from(
    JSON.stringify(blobs.length || declared !== undefined ? { ...(header as object), blobs: declared ?? blobs.map((b) => b.length) } : header),
  );
  const len = Buffer.alloc(4);
  len.writeUInt32BE(h.length);
  return Buffer.concat([len, h, ...blobs]);
}

const WRONG_VALUES: unknown[] = [null, true, -1, 0, 1e308, -1e308, 2 ** 53 + 2, 'x', '', 'ü'.repeat(300), [], {}, [1, 'a', null], { nested: { deeper: [] } }];

function pick<T>(rng: Rng, xs: readonly T[]): T {
  return xs[rng.int(0, xs.length - 1)] as T;
}

function randomBytes(rng: Rng, n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = rng.int(0, 255);
  return b;
}

function randomText(rng: Rng, n: number): string {
  let s = '';
  const alphabet = '{}[]":,0123456789.-eEtrufalsn \\/abcvtypeé中\u2028';
  for (let i = 0; i < n; i++) s += rng.next() < 0.9 ? alphabet[rng.int(0, alphabet.length - 1)] : String.fromCharCode(rng.int(0, 0xffff));
  return s;
}

/** A SEAL object with a broken header: wrong magic, a huge declared size, an unknown compression mode or version. */
function bogusSeal(rng: Rng, blob: Buffer): Buffer {
  const b = Buffer.from(blob.length >= 16 ? blob : Buffer.concat([blob, Buffer.alloc(16)]));
  switch (rng.int(0, 4)) {
    case 0:
      b.writeUInt16LE(rng.int(0, 0xffff), 0); // magic (SEAL's is 0xA15E)
      break;
    case 1:
      b.writeBigUInt64LE(BigInt(2 ** 40 + rng.int(0, 1e6)), 8); // declared size: a terabyte
      break;
    case 2:
      b[7] = rng.int(3, 255); // compression mode
      break;
    case 3:
      b[5] = rng.int(0, 255); // version
      b[6] = rng.int(0, 255);
      break;
    default:
      return b.subarray(0, rng.int(0, b.length - 1)); // truncated
  }
  return b;
}

function nested(rng: Rng): string {
  const depth = rng.int(1_000, 20_000);
  const [open, close] = rng.next() < 0.5 ? ['[', ']'] : ['{"a":', '}'];
  const inner = `${open.repeat(depth)}1${close.repeat(depth)}`;
  return rng.next() < 0.5 ? inner : `{"v":1,"type":"keys.share","jobId":${inner}}`;
}

/**
 * `count` frames, each from one mutation. `seeds` are real frames of the
 * direction being fuzzed; `refuse` drops any frame that would be a valid
 * message the receiver must act on (the caller decides what that is).
 */
export function fuzzFrames(seedFrames: readonly Buffer[], count: number, seed: number, refuse: (f: FuzzFrame) => boolean = () => false): FuzzFrame[] {
  const rng = createRng(seed);
  const seeds = seedFrames.flatMap((f) => splitSeed(f) ?? []);
  // big SEAL frames (keys, ciphertexts) are used sparingly: the point is variety, not volume
  const small = seeds.filter((s) => s.blobs.reduce((t, b) => t + b.length, 0) < 16_384);
  const withBlobs = seeds.filter((s) => s.blobs.length > 0);
  const makers: [string, number, () => FuzzFrame][] = [
    ['random-bytes', 12, () => ({ data: randomBytes(rng, rng.int(0, 2048)), text: false, kind: 'random-bytes' })],
    ['random-text', 12, () => ({ data: Buffer.from(randomText(rng, rng.int(0, 1024))), text: true, kind: 'random-text' })],
    [
      'truncated-binary',
      10,
      () => {
        const f = joinFrame(pick(rng, small).header, pick(rng, small).blobs);
        return { data: f.subarray(0, rng.int(0, f.length - 1)), text: false, kind: 'truncated-binary' };
      },
    ],
    [
      'truncated-json',
      10,
      () => {
        const t = JSON.stringify(pick(rng, small).header);
        return { data: Buffer.from(t.slice(0, rng.int(0, t.length - 1))), text: true, kind: 'truncated-json' };
      },
    ],
    ['deep-nesting', 3, () => ({ data: Buffer.from(nested(rng)), text: true, kind: 'deep-nesting' })],
    [
      'wrong-type',
      20,
      () => {
        const s = pick(rng, small);
        const header: Record<string, unknown> = structuredClone(s.header);
        const keys = Object.keys(header);
        const key = rng.next() < 0.15 ? 'v' : pick(rng, keys);
        header[key] = pick(rng, WRONG_VALUES);
        return { data: joinFrame(header, s.blobs), text: false, kind: 'wrong-type' };
      },
    ],
    [
      'unknown-or-missing-field',
      8,
      () => {
        const header: Record<string, unknown> = structuredClone(pick(rng, small).header);
        if (rng.next() < 0.5) header[`x${rng.int(0, 99)}`] = pick(rng, WRONG_VALUES);
        else delete header[pick(rng, Object.keys(header))];
        return { data: Buffer.from(JSON.stringify(header)), text: true, kind: 'unknown-or-missing-field' };
      },
    ],
    [
      'bad-blob-table',
      8,
      () => {
        const s = pick(rng, small);
        const declared = pick(rng, [[2 ** 40], [-1], ['a'], Array(100_000).fill(0), s.blobs.map((b) => b.length + 1), [...s.blobs.map((b) => b.length), 5], 7]);
        return { data: joinFrame(s.header, s.blobs, declared), text: false, kind: 'bad-blob-table' };
      },
    ],
    [
      'huge-header-length',
      4,
      () => {
        const f = joinFrame(pick(rng, small).header, []);
        f.writeUInt32BE(pick(rng, [0xffffffff, f.length, 2 ** 31]), 0);
        return { data: f, text: false, kind: 'huge-header-length' };
      },
    ],
    [
      'bogus-seal',
      withBlobs.length ? 10 : 0,
      () => {
        const s = pick(rng, withBlobs);
        const blobs = s.blobs.map((b, i) => (i === 0 || rng.next() < 0.3 ? bogusSeal(rng, b) : b));
        return { data: joinFrame(s.header, blobs), text: false, kind: 'bogus-seal' };
      },
    ],
    ['seed-replayed', 3, () => ({ data: joinFrame(pick(rng, seeds).header, pick(rng, seeds).blobs), text: false, kind: 'seed-replayed' })],
  ];
  const total = makers.reduce((t, [, w]) => t + w, 0);
  const out: FuzzFrame[] = [];
  while (out.length < count) {
    let r = rng.next() * total;
    let maker = makers[0] as (typeof makers)[number];
    for (const m of makers) {
      maker = m;
      r -= m[1];
      if (r < 0) break;
    }
    const frame = maker[2]();
    if (!refuse(frame)) out.push(frame);
  }
  return out;
}

/** How many frames of each kind. */
export function kindsOf(frames: readonly FuzzFrame[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of frames) out[f.kind] = (out[f.kind] ?? 0) + 1;
  return out;
}
