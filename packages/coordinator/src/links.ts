/**
 * The coordinator's side of one party's link: outgoing frames leave in the
 * order they were queued, each after the simulated network's delay, and a
 * party that stops reading is cut off instead of growing the coordinator's
 * memory without bound.
 */
import {
  bounded,
  type CoordinatorMessage,
  ciphertextPreview,
  describeMessage,
  type EventSink,
  encodeFrame,
  type FedError,
  type LinkMeter,
  type LinkShaper,
  type Logger,
  type Outgoing,
  type StepPoint,
} from '@fedrisk/shared';
import { WebSocket } from 'ws';

/** Bytes a party may leave unread in its socket before the coordinator gives up on it. */
const MAX_UNREAD_BYTES = 1024 * 1024 * 1024;
/** Frames refused on one connection before the coordinator stops answering and closes it. */
const MAX_REFUSED_FRAMES = 1000;
export const CLOSE_DONE = 1000;
export const CLOSE_AUTH = 4001;
export const CLOSE_STALLED = 4002;
export const CLOSE_SILENT = 4003;
const CLOSE_REFUSED = 4004;

/** Why a party's connection closed, for the failure line: the close code the coordinator chose, and what the party said. */
export function closeReason(code: number, reason: string, silenceMs: number): string {
  const said = reason ? `; it said: ${bounded(reason, 200)}` : '';
  if (code === CLOSE_STALLED) return ` (it stopped reading what it was sent)${said}`;
  if (code === CLOSE_SILENT) return ` (silent for more than ${silenceMs} ms)${said}`;
  return said;
}

export interface LinkDeps {
  logger: Logger;
  meter: LinkMeter;
  onEvent: EventSink;
  /** milliseconds since the job's clock started */
  now: () => number;
  shaper: LinkShaper | undefined;
  /** waits `ms` on a timer the coordinator clears when it closes */
  wait: (ms: number) => Promise<void>;
  /** waits while a class following the run holds it (hold.ts); at once otherwise */
  hold: (point: StepPoint) => Promise<void>;
  /** a party that stopped reading: the coordinator closes its socket and fails the job */
  onStalled: (party: string, unread: number) => void;
  /** a frame was queued (counted when caused, for the phase it belongs to; the meter counts it when it leaves) */
  onQueued?: (bytes: number) => void;
}

export interface OutLink {
  /** who the link leads to, in traces and link counts: "unknown" until a hello is admitted */
  name: string;
  /** queues a message; resolves when it has been handed to the socket (or dropped because the socket closed) */
  send(msg: Outgoing<CoordinatorMessage>, blobs?: readonly Uint8Array[]): Promise<void>;
  /** resolves when everything queued so far has left */
  flushed(): Promise<void>;
  /**
   * answers a refused frame with its coded error; past a budget of refusals the
   * connection is closed instead, so a flood of bad frames costs bounded memory
   */
  refuse(err: FedError): Promise<void>;
}

export function createOutLink(ws: WebSocket, deps: LinkDeps): OutLink {
  let tail = Promise.resolve();
  let refused = 0;
  let link: OutLink;
  const transmit = async (frame: Uint8Array, msg: Outgoing<CoordinatorMessage>, blobs: readonly Uint8Array[]): Promise<void> => {
    const to = link.name;
    await deps.hold({ kind: 'message', name: msg.type, from: 'coordinator', to });
    const ms = deps.shaper?.delay(to, 'down', frame.length) ?? 0;
    if (ms > 0) await deps.wait(ms);
    deps.meter.add('coordinator', to, frame.length);
    deps.onEvent({
      event: 'message',
      at: deps.now(),
      from: 'coordinator',
      to,
      type: msg.type,
      bytes: frame.length,
      summary: describeMessage(msg as CoordinatorMessage, blobs),
      preview: ciphertextPreview(msg.type, blobs),
    });
    if (ws.readyState !== WebSocket.OPEN) return;
    if (ws.bufferedAmount + frame.length > MAX_UNREAD_BYTES) {
      deps.onStalled(to, ws.bufferedAmount);
      return;
    }
    await new Promise<void>((resolve) => {
      ws.send(frame, (err) => {
        if (err) deps.logger.warn({ to, err: err.message }, 'send failed');
        resolve();
      });
    });
  };
  link = {
    name: 'unknown',
    send: (msg, blobs = []) => {
      const frame = encodeFrame<CoordinatorMessage>(msg, blobs);
      deps.onQueued?.(frame.length);
      tail = tail
        .then(() => transmit(frame, msg, blobs))
        .catch((err: unknown) => deps.logger.warn({ to: link.name, err: (err as Error).message }, 'send failed'));
      return tail;
    },
    flushed: () => tail,
    refuse: (err) => {
      refused++;
      if (refused <= MAX_REFUSED_FRAMES) return link.send({ type: 'error', error: err.toWire() });
      if (refused === MAX_REFUSED_FRAMES + 1) {
        deps.logger.warn({ party: link.name, refused: MAX_REFUSED_FRAMES }, 'too many refused frames; closing the connection');
        ws.close(CLOSE_REFUSED, 'too many bad frames');
      }
      return Promise.resolve();
    },
  };
  return link;
}
