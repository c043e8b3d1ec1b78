/**
 * Replays a finished run folder in the live view: the same events a live run
 * would publish, rebuilt from report.json and each job's trace.jsonl (every
 * message that crossed the coordinator), held at the same step points.
 *
 * A trace holds messages only, so the rest is derived: phase boundaries from
 * the message types (a phase ends just before the first message of a later
 * phase; its length comes from the report), `joined` after each welcome, what
 * each participant holds from the report's key custody, and its knowledge
 * ledger from the report after the job's last message.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PhaseName } from '@fedrisk/shared';
import { isErrorCode, parseEventLine } from '@fedrisk/shared';
import type { DesignResult, LedgerEntry, Report } from '../report/types.ts';
import { phaseOfMessage, type StepPoint, type ViewEvent, type ViewMessageEvent } from './events.ts';
import type { Stepper } from './stepper.ts';

/** One event to publish, and the point to hold before it (if any). */
export interface ReplayStep {
  point?: StepPoint;
  event: ViewEvent;
}

export interface ReplayOptions {
  /** which jobs to replay, by name (training, threshold, single-holder); default all, training first */
  jobs?: string[];
  signal?: AbortSignal;
}

/** Where the replay goes: a view server, or anything with the same two members. */
export interface ReplayTarget {
  publish(event: ViewEvent): void;
  readonly stepper: Stepper;
}

interface Job {
  name: string;
  design?: DesignResult;
  ledger: Record<string, LedgerEntry>;
  custody: { participant: string; holds: string[] }[];
  messages: ViewMessageEvent[];
}

async function readJobs(runDir: string, report: Report, only?: string[]): Promise<Job[]> {
  const names = [...(report.training ? ['training'] : []), ...report.designs.map((d) => d.keys)].filter((n) => !only || only.includes(n));
  const jobs: Job[] = [];
  for (const name of names) {
    const file = join(runDir, 'jobs', name, 'trace.jsonl');
    if (!existsSync(file)) continue;
    const messages = (await readFile(file, 'utf8'))
      .split('\n')
      .map(parseEventLine)
      .filter((e): e is ViewMessageEvent => e?.event === 'message');
    const design = report.designs.find((d) => d.keys === name);
    const recipient = report.scenario.parties.find((p) => p.role === 'bank')?.id ?? report.scenario.parties[0]?.id;
    jobs.push({
      name,
      ledger: design?.ledger ?? report.training?.ledger ?? {},
      // training: the bank holds the key, as under single-holder
      custody: design?.keyCustody ?? [
        { participant: 'coordinator', holds: ['public key (relayed)'] },
        ...report.scenario.parties.map((p) => ({
          participant: p.id,
          holds: p.id === recipient ? ['secret key (the whole key)', 'public key'] : ['public key'],
        })),
      ],
      messages,
      ...(design ? { design } : {}),
    });
  }
  return jobs;
}

/** The job's phases in order: the report's, or those its messages belong to. */
function phasesOf(job: Job): { name: string; ms?: number }[] {
  if (job.design?.phases.length) return job.design.phases;
  const names = ['join'];
  for (const m of job.messages) {
    // a training job ends with result.done inside its train phase: no decrypt phase of its own
    const p = m.type === 'result.done' ? undefined : phaseOfMessage(m.type);
    if (p && !names.includes(p)) names.push(p);
  }
  return names.map((name) => ({ name }));
}

function jobSteps(report: Report, job: Job): ReplayStep[] {
  const steps: ReplayStep[] = [];
  const push = (event: ViewEvent, point?: StepPoint) => steps.push(point ? { event, point } : { event });
  const phases = phasesOf(job);
  const names = phases.map((p) => p.name);
  push({ event: 'job', name: job.name, phases: names });
  for (const c of job.custody) {
    const rows = report.businesses.perParty[c.participant]?.rows;
    const own = c.participant === 'coordinator' ? ['no data of its own'] : rows !== undefined ? [`${c.participant}.csv: ${rows} rows`] : [];
    push({ event: 'holds', participant: c.participant, items: [...own, ...c.holds] });
  }
  const lastAt = job.messages.at(-1)?.at ?? 0;
  const firstAt = job.messages[0]?.at ?? 0;
  // where each phase started, by message time, to measure phases the report does not time
  const startedAt: number[] = [firstAt];
  let current = 0;
  const phaseStart = (i: number, at: number) => {
    startedAt[i] = at;
    push({ event: 'phase-start', name: names[i] as string }, { kind: 'phase', name: names[i] as string });
  };
  const endPhases = (upTo: number, at: number) => {
    for (; current < upTo; current++) {
      const ms = phases[current]?.ms ?? at - (startedAt[current] ?? at);
      steps.push({ event: { event: 'phase', name: names[current] as PhaseName, ms } });
    }
  };
  // the point before the first phase; the server publishes phase-start itself when a point passes
  steps.push({ event: { event: 'phase-start', name: names[0] as string }, point: { kind: 'phase', name: names[0] as string } });
  const lastPhased = job.messages.findLastIndex((m) => phaseOfMessage(m.type) !== undefined);
  let epoch = 0;
  job.messages.forEach((m, i) => {
    // job.start goes out the moment everyone has joined: the first phase after join has begun
    const target = m.type === 'job.start' ? Math.max(current, 1) : names.indexOf(phaseOfMessage(m.type) ?? '');
    if (target > current && target < names.length) {
      endPhases(target, m.at);
      phaseStart(target, m.at);
    }
    push({ ...m, phase: names[current] as string }, { kind: 'message', name: m.type, from: m.from, to: m.to });
    if (m.type === 'welcome') push({ event: 'joined', party: m.to });
    const e = report.training?.epochs[epoch];
    if (m.type === 'train.epoch' && m.to === 'coordinator' && e) {
      push({ event: 'epoch', party: m.from, epoch: e.epoch, loss: e.loss, ms: e.ms });
      epoch++;
    }
    if (i === lastPhased) endPhases(names.length, lastAt);
  });
  endPhases(names.length, lastAt);
  for (const [participant, entry] of Object.entries(job.ledger)) push({ event: 'ledger', participant, received: entry.received, decrypted: entry.decrypted });
  for (const r of job.design?.refusals ?? [])
    push({ event: 'refused', party: r.party, code: isErrorCode(r.code) ? r.code : 'RUN_ERR_PROCESS', message: r.message });
  if (job.design?.error) push({ event: 'fatal', code: job.design.error.code, message: job.design.error.message });
  push({ event: 'done', ok: job.design?.ok ?? true });
  return steps;
}

/**
 * The run folder as a list of steps. Phase starts are listed as steps with a
 * phase point; `replayRun` skips their event, because the view server
 * publishes a phase-start itself when a phase point passes its stepper.
 */
export async function replaySteps(runDir: string, opts: Pick<ReplayOptions, 'jobs'> = {}): Promise<ReplayStep[]> {
  const report = JSON.parse(await readFile(join(runDir, 'report.json'), 'utf8')) as Report;
  const jobs = await readJobs(runDir, report, opts.jobs);
  const run: ViewEvent = {
    event: 'run',
    name: report.scenario.name,
    parties: report.scenario.parties.map((p) => ({ id: p.id, role: p.role })),
    designs: jobs.map((j) => j.name),
  };
  return [{ event: run }, ...jobs.flatMap((job) => jobSteps(report, job))];
}

/** Feeds a finished run to the view, holding each step at the stepper. Resolves when every event was published or the signal aborts. */
export async function replayRun(runDir: string, target: ReplayTarget, opts: ReplayOptions = {}): Promise<void> {
  const steps = await replaySteps(runDir, opts);
  for (const step of steps) {
    if (opts.signal?.aborted || target.stepper.closed) return;
    if (step.point) await target.stepper.pace(step.point);
    if (opts.signal?.aborted || target.stepper.closed) return;
    if (step.event.event !== 'phase-start' || !step.point) target.publish(step.event);
  }
}
