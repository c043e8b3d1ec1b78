/**
 * Turns the participants' events into the console lines a person follows: a
 * line per phase, per party joining, a few per long step, and every message
 * with --trace. Also keeps every message event for trace.jsonl.
 */
import type { ProcessEvent } from '@fedrisk/shared';

export interface Progress {
  onEvent(participant: string, e: ProcessEvent): void;
  /** every message event, as trace.jsonl lines */
  readonly trace: string[];
  /** when the join phase ended (every party admitted), in performance.now() time */
  readonly joinedAt: number | undefined;
  /** resolves with the coordinator's URL once it listens */
  readonly listening: Promise<string>;
}

export function createProgress(say: (line: string) => void, traceLines: boolean): Progress {
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
        if (traceLines) say(`    ${e.at.toFixed(0).padStart(6)} ms  ${e.from.padStart(11)} → ${e.to.padEnd(11)} ${e.type.padEnd(15)} ${e.summary}`);
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
        else if (e.done === e.total || e.done - last >= Math.max(1, Math.ceil(e.total / 4))) {
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
