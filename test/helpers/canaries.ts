/**
 * Looking for many short secrets (canaries) in many captured frames. One pass
 * over each frame, looking up the 4 bytes at each position, instead of one
 * `Buffer.includes` scan per canary: a run's frames are megabytes and a test
 * plants hundreds of canaries.
 */

/** The needles that occur somewhere in one of the haystacks (each reported once, in the order given). */
export function foundIn(haystacks: readonly Uint8Array[], needles: readonly Uint8Array[]): Uint8Array[] {
  const found = new Set<Uint8Array>();
  const short = needles.filter((n) => n.length < 4);
  // needles by their first 4 bytes, with a 16-bit filter in front so most positions cost one array read
  const byHead = new Map<number, Uint8Array[]>();
  const filter = new Uint8Array(65_536);
  for (const n of needles) {
    if (n.length < 4) continue;
    const head = key32(n, 0);
    byHead.set(head, [...(byHead.get(head) ?? []), n]);
    filter[(n[0] as number) | ((n[1] as number) << 8)] = 1;
  }
  for (const raw of haystacks) {
    const h = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
    for (const n of short) if (h.includes(Buffer.from(n.buffer, n.byteOffset, n.byteLength))) found.add(n);
    for (let i = 0; i + 4 <= h.length; i++) {
      if (filter[(h[i] as number) | ((h[i + 1] as number) << 8)] === 0) continue;
      for (const n of byHead.get(key32(h, i)) ?? []) {
        if (i + n.length <= h.length && h.compare(n, 0, n.length, i, i + n.length) === 0) found.add(n);
      }
    }
  }
  return needles.filter((n) => found.has(n));
}

function key32(b: Uint8Array, at: number): number {
  return ((b[at] as number) | ((b[at + 1] as number) << 8) | ((b[at + 2] as number) << 16) | ((b[at + 3] as number) << 24)) >>> 0;
}
