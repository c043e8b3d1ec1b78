/**
 * Events a coordinator or node process reports to whoever started it (the
 * scenario runner reads them as JSON lines on the child's stdout). Events
 * carry counts, sizes and timings, never private values.
 */
import { z } from 'zod';
import { errorCodeSchema } from './errors-schema.ts';

export const processEventSchema = z.discriminatedUnion('event', [
  z.object({ event: z.literal('listening'), url: z.string() }),
  z.object({ event: z.literal('joined'), party: z.string() }),
  z.object({ event: z.literal('phase'), name: z.string(), ms: z.number() }),
  z.object({ event: z.literal('progress'), party: z.string(), step: z.string(), done: z.number(), total: z.number() }),
  z.object({
    event: z.literal('message'),
    at: z.number(),
    from: z.string(),
    to: z.string(),
    type: z.string(),
    bytes: z.number(),
    summary: z.string(),
  }),
  z.object({ event: z.literal('refused'), party: z.string(), code: errorCodeSchema, message: z.string() }),
  z.object({ event: z.literal('fatal'), code: errorCodeSchema, message: z.string() }),
  z.object({ event: z.literal('done'), ok: z.boolean() }),
]);
export type ProcessEvent = z.infer<typeof processEventSchema>;
export type EventSink = (event: ProcessEvent) => void;

/** Parses one stdout line of a child process; undefined for anything that is not an event. */
export function parseEventLine(line: string): ProcessEvent | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const parsed = processEventSchema.safeParse(JSON.parse(line));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
