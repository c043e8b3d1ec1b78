/**
 * Turns the participants' events into the console lines a person follows: a
 * line per phase, per party joining, a few per long step, and every message
 * with --trace. Also keeps every message event for trace.jsonl.
 */
import { coordinatorMessageSchema, nodeMessageSchema, type ProcessEvent } from '@fedrisk/shared';
import { wrapLine } from './text.ts';

/** Which protocol messages --trace prints: all, or those to or from some participants, of some kinds. */
export interface TraceFilter {
  /** a message is shown when its sender or its receiver is one of these */
  participants?: readonly string[] | undefined;
  /** a message type (`decrypt.share`) or the family before its dot (`decrypt`) */
  kinds?: readonly string[] | undefined;
}

/** Every message type of the protocol, both directions. */
export const MESSAGE_TYPES: readonly string[] = [
  ...new Set([...nodeMessageSchema.options, ...coordinatorMessageSchema.options].map((o) => String(o.shape.type.value))),
].sort();

/** The kinds --trace-kind accepts: every message type and every family (the part before the dot). */
export const MESSAGE_KINDS: readonly string[] = [...new Set([...MESSAGE_TYPES, ...MESSAGE_TYPES.map((t) => t.split('.')[0] as string)])].sort();

function traceMatcher(trace: boolean | TraceFilter): (from: string, to: string, type: string) => boolean {
  if (trace === false) return () => false;
  if (trace === true) return () => true;
  const who = trace.participants?.length ? new Set(trace.participants) : undefined;
  const kinds = trace.kinds?.length ? trace.kinds : undefined;
  return (from, to, type) => (!who || who.has(from) || who.has(to)) && (!kinds || kinds.some((k) => type === k || type.startsWith(`${k}.`)));
}

/** A participant's progress in a long step (encrypt, decrypt, ...). */
export type ProgressSink = (participant: string, step: string, done: number, total: number) => void;

export interface Progress {
  onEvent(participant: string, e: ProcessEvent): void;
  /** every message event, as trace.jsonl lines */
  readonly trace: string[];
  /** when the join phase ended (every party admitted), in performance.now() time */
  readonly joinedAt: number | undefined;
  /** resolves with the coordinator's URL once it listens */
  readonly listening: Promise<string>;
}

/** Where a trace line's summary starts; a long summary continues on lines indented this far. */
const TRACE_INDENT = 52;

/** `bars`: a long step's progress goes there (a terminal draws a bar) instead of a plain line per quarter. */
export function createProgress(say: (line: string) => void, traceLines: boolean | TraceFilter, bars?: ProgressSink): Progress {
  const shownInTrace = traceMatcher(traceLines);
  const trace: string[] = [];
  const shown = new Map<string, number>();
  let joinedAt: number | undefined;
  let resolveListening!: (url: string) => void;
  const listening = new Promise<string>((r) => {
    resolveListening = r;
  });
  const onEvent = (name: string, e: ProcessEvent): void => {
    switch (e.event) {
      case 'listening':
        resolveListening(e.url);
        return;
      case 'message':
        trace.push(JSON.stringify(e));
        if (shownInTrace(e.from, e.to, e.type))
          for (const line of wrapLine(
            `  ${e.at.toFixed(0).padStart(6)} ms ${e.from.padStart(11)} → ${e.to.padEnd(11)} ${e.type.padEnd(15)} `,
            e.summary,
            TRACE_INDENT,
          ))
            say(line);
        return;
      case 'joined':
        say(`  join      ${e.party} joined`);
        return;
      case 'phase':
        if (e.name === 'join') joinedAt = performance.now();
        say(`  ${e.name.padEnd(9)} done in ${e.ms.toFixed(0)} ms`);
        return;
      case 'progress': {
        const key = `${e.party}:${e.step}`;
        const last = shown.get(key) ?? -1;
        if (e.step === 'load') say(`  load      ${e.party} loaded and checked ${e.total} own rows`);
        else if (e.step === 'psi:blind') say(`  psi       ${e.party} hashed and blinded its ${e.total} ids`);
        else if (e.step === 'psi:reblind') say(`  psi       ${e.party} blinded the bank's ${e.total} points again`);
        else if (e.step === 'psi:match') say(`  psi       ${e.party} blinded ${e.total} holder points again and matched them`);
        else if (bars) bars(e.party, e.step, e.done, e.total);
        else if (e.done !== last && (e.done === e.total || e.done - last >= Math.max(1, Math.ceil(e.total / 4)))) {
          shown.set(key, e.done);
          say(`  ${e.step.padEnd(9)} ${e.party} ${e.done}/${e.total} ciphertexts`);
        }
        return;
      }
      case 'epoch':
        say(`  epoch     ${e.epoch}: loss ${e.loss.toFixed(4)} (${(e.ms / 1000).toFixed(1)} s)`);
        return;
      case 'refused':
        say(`  REFUSED   ${e.party}: ${e.code}: ${e.message}`);
        return;
      case 'fatal':
        say(`  FATAL     ${name}: ${e.code}: ${e.message}`);
        return;
      default:
        return;
    }
  };
  return {
    onEvent,
    trace,
    get joinedAt() {
      return joinedAt;
    },
    listening,
  };
}
