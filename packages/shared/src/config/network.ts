/**
 * Simulated network conditions on each party's link to the coordinator:
 * a one-way latency and a bandwidth, applied by the coordinator to both
 * directions, so a laptop run reports times closer to a wide-area network.
 * `links` sets them per party (a tax bureau on a slow line); a party left
 * out, and a field its entry leaves out, takes the values for every link.
 *
 * No packet loss: the parties talk WebSocket over TCP, which never loses a
 * frame. Loss on a real line shows as retransmissions and a shrinking
 * congestion window, which depend on the sender's TCP state (window, RTO,
 * SACK) that a delay per frame cannot reproduce honestly; the kernel's netem
 * could, but these machines do not have it.
 */
import { z } from 'zod';
import { didYouMean } from '../util/suggest.ts';
import { partyIdSchema } from '../wire/ids.ts';

const latencyMsSchema = z.number().min(0).max(60_000);
const bandwidthMbpsSchema = z.number().positive().max(100_000);

export const linkConditionsSchema = z
  .object({
    /** one-way delay on this party's link, each direction; default: the network's */
    latencyMs: latencyMsSchema.optional(),
    /** this party's link capacity in megabits per second, each direction; default: the network's */
    bandwidthMbps: bandwidthMbpsSchema.optional(),
  })
  .strict();

export const networkSchema = z
  .object({
    /** one-way delay on every link, each direction */
    latencyMs: latencyMsSchema.default(0),
    /** link capacity in megabits per second, each direction; absent means unlimited */
    bandwidthMbps: bandwidthMbpsSchema.optional(),
    /** per party: what differs on its link from the values above */
    links: z.record(partyIdSchema, linkConditionsSchema).optional(),
  })
  .strict();
export type NetworkConditions = z.infer<typeof networkSchema>;

/** One party's link: its own values where its entry sets them, else the network's. */
export function linkConditions(net: NetworkConditions, party: string): { latencyMs: number; bandwidthMbps: number | undefined } {
  const own = net.links?.[party];
  return { latencyMs: own?.latencyMs ?? net.latencyMs, bandwidthMbps: own?.bandwidthMbps ?? net.bandwidthMbps };
}

/** Whether any link is slowed at all (the coordinator then shapes its traffic). */
export function isShaped(net: NetworkConditions | undefined): net is NetworkConditions {
  if (!net) return false;
  const all = [net, ...Object.values(net.links ?? {})];
  return all.some((l) => (l.latencyMs ?? 0) > 0 || l.bandwidthMbps !== undefined);
}

/** Links named for parties that are not in the job, with a did-you-mean. */
export function networkIssues(net: NetworkConditions, parties: readonly string[]): { path: (string | number)[]; message: string }[] {
  return Object.keys(net.links ?? {})
    .filter((id) => !parties.includes(id))
    .map((id) => ({ path: ['links', id], message: `"${id}" is not one of the parties${didYouMean(id, parties)}` }));
}

/** Up: from the party to the coordinator; down: from the coordinator to the party. */
export type LinkDirection = 'up' | 'down';

export interface LinkShaper {
  /** milliseconds from now until a frame of `bytes` sent now on `party`'s link, in `direction`, arrives */
  delay(party: string, direction: LinkDirection, bytes: number): number;
}

/**
 * Frames on one link, in one direction, queue behind each other for the
 * bandwidth (serialisation time) and then travel for the latency, so they
 * arrive in order.
 */
export function createLinkShaper(net: NetworkConditions, clock: () => number): LinkShaper {
  const busyUntil = new Map<string, number>();
  return {
    delay: (party, direction, bytes) => {
      const { latencyMs, bandwidthMbps } = linkConditions(net, party);
      const link = `${party}:${direction}`;
      const now = clock();
      const transmitMs = bandwidthMbps ? (bytes * 8) / (bandwidthMbps * 1000) : 0;
      const start = Math.max(now, busyUntil.get(link) ?? 0);
      busyUntil.set(link, start + transmitMs);
      return start + transmitMs + latencyMs - now;
    },
  };
}
