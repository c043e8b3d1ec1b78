/**
 * Events a coordinator or node process reports to whoever started it (the
 * scenario runner reads them as JSON lines on the child's stdout). Events
 * carry counts, sizes and timings, never private values.
 */
import { z } from 'zod';
import { errorCodeSchema, FedError } from '../util/errors.ts';
import { phaseNameSchema } from '../wire/ids.ts';

const processEventSchema = z.discriminatedUnion('event', [
  z.object({ event: z.literal('listening'), url: z.string() }),
  z.object({ event: z.literal('joined'), party: z.string() }),
  z.object({ event: z.literal('phase'), name: phaseNameSchema, ms: z.number() }),
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
  z.object({ event: z.literal('epoch'), party: z.string(), epoch: z.number(), loss: z.number(), ms: z.number() }),
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

/**
 * What a process entry point reports when it cannot go on: a user mistake is
 * its FedError's code and message; anything else is an internal error, with
 * its stack, because that is a bug to report.
 */
export function describeFatal(processName: string, err: unknown): { event: ProcessEvent; line: string } {
  if (err instanceof FedError)
    return { event: { event: 'fatal', code: err.code, message: err.message }, line: `${processName}: ${err.code}: ${err.message}\n` };
  const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
  return { event: { event: 'fatal', code: 'RUN_ERR_PROCESS', message: `internal error: ${text}` }, line: `${processName}: internal error: ${text}\n` };
}
