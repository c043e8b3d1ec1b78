/**
 * `fedrisk run --view`: the live view of the run, on 127.0.0.1. The page's
 * address is printed first; the run then starts paused (unless --autoplay),
 * so a class can open the page and press resume, or step, then next. When the
 * run is over the page stays up, for questions, until Ctrl-C.
 */

import { createViewServer, type ViewServer } from '../view/server.ts';
import type { Args, CliIo, OptionSpec } from './args.ts';

export const VIEW_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  view: {
    kind: 'flag',
    help: 'serve the live view on 127.0.0.1 and print its address: one lane per participant, every message as it happens, the phases, what each participant holds and has received; the run starts paused until you press resume, or step then next, in the page',
  },
  'view-port': { kind: 'integer', value: '<n>', help: "the live view's port on 127.0.0.1 (0: any free one); implies --view", min: 0, max: 65535 },
  step: { kind: 'flag', help: 'start the live view in step mode: the run waits before each phase and each message until "next" is pressed; implies --view' },
  autoplay: { kind: 'flag', help: 'start the live view running instead of paused; implies --view' },
};

/** Whether the command line asks for the live view. */
export function wantsView(args: Args): boolean {
  return args.flag('view') || args.flag('step') || args.flag('autoplay') || args.integer('view-port') !== undefined;
}

/** Runs `body` with a live view server, then keeps the page up until Ctrl-C (io.signal); the server is closed in every case. */
export async function withLiveView<T>(args: Args, io: CliIo, body: (view: ViewServer) => Promise<T>): Promise<T> {
  const server = createViewServer({
    port: args.integer('view-port') ?? 0,
    stepper: { mode: args.flag('step') ? 'step' : 'run', paused: !args.flag('autoplay') },
  });
  try {
    const { url } = await server.start();
    io.out(`view: ${url}  (live view; add ?lang=en for English)\n`);
    if (!args.flag('autoplay')) io.out('view: the run waits: press resume, or step then next, in the page\n');
    const result = await body(server);
    if (io.signal && !io.signal.aborted) {
      io.out(`view: the run is over; the page stays up at ${url} until Ctrl-C\n`);
      await new Promise<void>((resolve) => io.signal?.addEventListener('abort', () => resolve(), { once: true }));
    }
    return result;
  } finally {
    await server.close();
  }
}
