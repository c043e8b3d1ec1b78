/**
 * The coordinator's watch over its parties: a WebSocket ping every interval,
 * and a party silent (no pong, no frame) for longer than the limit is gone.
 * A check that runs late means the coordinator's own loop was busy; nobody
 * is judged on that round.
 */
import type { WebSocket } from 'ws';

export interface Watched {
  ws: WebSocket;
  /** when the party was last heard from (clock time) */
  lastHeard: number;
}

export function watchHeartbeats(
  parties: ReadonlyMap<string, Watched>,
  opts: { everyMs: number; silenceMs: number; clock: () => number; onSilent: (party: string, watched: Watched, silentMs: number) => void },
): () => void {
  let lastCheck = opts.clock();
  const timer = setInterval(() => {
    const t = opts.clock();
    const stalled = t - lastCheck > 2 * opts.everyMs;
    lastCheck = t;
    for (const [id, p] of parties) {
      if (stalled) p.lastHeard = Math.max(p.lastHeard, t - opts.everyMs);
      if (t - p.lastHeard > opts.silenceMs) opts.onSilent(id, p, t - p.lastHeard);
      else p.ws.ping();
    }
  }, opts.everyMs);
  return () => clearInterval(timer);
}
