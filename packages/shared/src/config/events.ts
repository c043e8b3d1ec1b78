/**
 * Events a coordinator or node process reports to whoever started it (the
 * scenario runner reads them as JSON lines on the child's stdout). Events
 * carry counts, sizes and timings, never private values.
 */
import { z } from 'zod';
import { errorCodeSchema, FedError } from '../util/errors.ts';
import { phaseNameSchema } from '../wire/ids.ts';

/** Where a run can be held for a class to follow it: before a phase starts, or before a message is handled or sent. */
export const stepPointSchema = z
  .object({
    kind: z.enum(['phase', 'message']),
    /** the phase name or the message type */
    name: z.string().max(64),
    from: z.string().max(64).optional(),
    to: z.string().max(64).optional(),
  })
  .strict();
export type StepPoint = z.infer<typeof stepPointSchema>;
/** Holds the protocol at a point until whoever runs the coordinator lets it go on. */
export type StepGate = (point: StepPoint) => Promise<void>;

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
    /** the last bytes of its first SEAL object or Paillier ciphertext, as hex (wire/describe.ts: ciphertextPreview); never plaintext */
    preview: z
      .string()
      .regex(/^[0-9a-f]{2,64}$/)
      .optional(),
  }),
  z.object({ event: z.literal('epoch'), party: z.string(), epoch: z.number(), loss: z.number(), ms: z.number() }),
  z.object({ event: z.literal('refused'), party: z.string(), code: errorCodeSchema, message: z.string() }),
  z.object({ event: z.literal('fatal'), code: errorCodeSchema, message: z.string() }),
  z.object({ event: z.literal('done'), ok: z.boolean() }),
  /** started with --standby: loaded, and waiting for its start line on stdin (config/standby.ts) */
  z.object({ event: z.literal('standby') }),
  /** coordinator started with --step: it holds the protocol at this point until its runner answers {"go":id} on stdin */
  z.object({ event: z.literal('step'), id: z.number().int().nonnegative(), point: stepPointSchema }),
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
