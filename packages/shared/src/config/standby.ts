/**
 * A participant started ahead of its job (`--standby`): the runner starts the
 * process while it is still preparing the job, so the process has loaded its
 * modules by the time the job's files exist. The job's arguments and its
 * credential then arrive as one JSON line on the process's stdin, a pipe only
 * the runner holds (never argv, which other users can see). A standby whose
 * stdin ends before that line exits quietly: its runner is gone.
 */
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { z } from 'zod';
import { FedError } from '../util/errors.ts';

/** Long enough for any argument list and credential; a line past it is not a start line. */
const MAX_START_LINE = 256 * 1024;

export const standbyStartSchema = z
  .object({
    v: z.literal(1),
    /** the arguments the participant would have been started with */
    argv: z.array(z.string().max(4096)).max(64),
    /** the job's own environment: its credential, a capture folder */
    env: z.record(z.string().regex(/^FEDRISK_[A-Z_]+$/), z.string().max(16_384)),
  })
  .strict();
export type StandbyStart = z.infer<typeof standbyStartSchema>;

export function standbyStartLine(start: StandbyStart): string {
  return `${JSON.stringify(standbyStartSchema.parse(start))}\n`;
}

function parseStart(line: string): StandbyStart {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (cause) {
    throw new FedError('CONFIG_ERR_INVALID', 'standby: the start line on stdin is not JSON', { cause });
  }
  const start = standbyStartSchema.safeParse(parsed);
  if (!start.success)
    throw new FedError('CONFIG_ERR_INVALID', `standby: the start line on stdin is not a start: ${start.error.issues[0]?.message ?? 'invalid'}`);
  return start.data;
}

/**
 * Waits for the start line on `input`; undefined if the input ends first. What
 * follows the line stays unread on `input` (the coordinator's step channel reads it).
 */
export function readStandbyStart(input: Readable): Promise<StandbyStart | undefined> {
  return new Promise((resolve, reject) => {
    let text = '';
    const utf8 = new StringDecoder('utf8');
    const done = (): void => {
      input.off('data', onData);
      input.off('end', onEnd);
      input.off('error', onEnd);
      input.pause();
    };
    const onEnd = (): void => {
      done();
      resolve(undefined);
    };
    const onData = (chunk: Buffer): void => {
      text += utf8.write(chunk);
      const nl = text.indexOf('\n');
      if (nl < 0) {
        if (text.length <= MAX_START_LINE) return;
        done();
        reject(new FedError('CONFIG_ERR_INVALID', `standby: no start line in the first ${MAX_START_LINE} bytes on stdin`));
        return;
      }
      done();
      const rest = text.slice(nl + 1);
      if (rest) input.unshift(Buffer.from(rest, 'utf8'));
      try {
        resolve(parseStart(text.slice(0, nl)));
      } catch (err) {
        reject(err);
      }
    };
    input.on('data', onData);
    input.once('end', onEnd);
    input.once('error', onEnd);
  });
}
