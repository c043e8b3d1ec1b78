/**
 * Simulated network conditions on each party's link to the coordinator:
 * a one-way latency and a bandwidth, applied by the coordinator to both
 * directions, so a laptop run reports times closer to a wide-area network.
 */
import { z } from 'zod';

export const networkSchema = z
  .object({
    /** one-way delay on every link, each direction */
    latencyMs: z.number().min(0).max(60_000).default(0),
    /** link capacity in megabits per second, each direction; absent means unlimited */
    bandwidthMbps: z.number().positive().max(100_000).optional(),
  })
  .strict();
export type NetworkConditions = z.infer<typeof networkSchema>;

export interface LinkShaper {
  /** milliseconds from now until a frame of `bytes` sent now on `link` arrives */
  delay(link: string, bytes: number): number;
}

/**
 * Frames on one link queue behind each other for the bandwidth (serialisation
 * time) and then travel for the latency, so they arrive in order.
 */
export function createLinkShaper(net: NetworkConditions, clock: () => number): LinkShaper {
  const busyUntil = new Map<string, number>();
  return {
    delay: (link, bytes) => {
      const now = clock();
      const transmitMs = net.bandwidthMbps ? (bytes * 8) / (net.bandwidthMbps * 1000) : 0;
      const start = Math.max(now, busyUntil.get(link) ?? 0);
      busyUntil.set(link, start + transmitMs);
      return start + transmitMs + net.latencyMs - now;
    },
  };
}
