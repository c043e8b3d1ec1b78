/**
 * The referee's account of a staged attack: was it refused or detected, and
 * by whom and how; or, with the defences off, what exactly did the attacker
 * learn, measured against the truth only the referee knows (each victim's
 * real partial logits, a holder's real customers).
 */
import { join } from 'node:path';
import { type Attack, attacker, attackOutputSchema, modelFromSpec, partialLogitsFor, readJsonFile, type Scenario } from '@fedrisk/shared';
import type { Prepared } from '../prepare.ts';
import { scoresById } from '../referee.ts';
import type { AttackResult, DesignResult } from '../report/types.ts';
import type { JobRun } from '../run-job.ts';

const CLOSE = 1e-3;

/** A victim's true partial logits for the job's slots, and which slots it has a record for. */
async function truthOf(scenario: Scenario, prep: Prepared, party: string, allSlotIds: readonly string[], withheld: ReadonlySet<string> | undefined) {
  const table = await prep.tableOf(party);
  // a record the victim withheld (no authorisation) never entered its input: there is nothing of it to read
  const slotIds = withheld?.size ? allSlotIds.map((id) => (withheld.has(id) ? '' : id)) : allSlotIds;
  const { values } = partialLogitsFor(table, modelFromSpec(scenario.model[party] ?? { intercept: 0 }, party), slotIds);
  const present = new Set(table.ids);
  return { values, present: slotIds.map((id) => present.has(id)) };
}

async function measure(
  scenario: Scenario,
  prep: Prepared,
  learned: Record<string, number[]>,
  slotIds: readonly string[],
  withheld: ReadonlyMap<string, ReadonlySet<string>> | undefined,
): Promise<AttackResult['learned']> {
  const out: AttackResult['learned'] = {};
  for (const [victim, values] of Object.entries(learned)) {
    const truth = await truthOf(scenario, prep, victim, slotIds, withheld?.get(victim));
    let read = 0;
    let of = 0;
    let maxError = 0;
    values.forEach((v, i) => {
      if (!truth.present[i]) return;
      of++;
      const err = Math.abs(v - (truth.values[i] as number));
      if (Number.isFinite(err)) maxError = Math.max(maxError, err);
      else maxError = Number.POSITIVE_INFINITY;
      if (err < CLOSE) read++;
    });
    out[victim] = { values: read, of, maxError };
  }
  return out;
}

export async function attackResult(scenario: Scenario, prep: Prepared, run: JobRun, attack: Attack, design: DesignResult): Promise<AttackResult> {
  const defences = run.spec.defences ? 'on' : 'off';
  const by = attacker(attack);
  const stoppedBy = (run.record?.refusals ?? []).map((r) => ({ party: r.party, code: r.code, message: r.message }));
  if (run.failure && !stoppedBy.length) {
    const party = run.failure.details?.party;
    stoppedBy.push({ party: typeof party === 'string' ? party : 'the job', code: run.failure.code, message: run.failure.message });
  }
  const recipient = scenario.job.recipient;
  let slotIds: string[] = prep.applicants;
  let learnedRaw: Record<string, number[]> = {};
  let membership: AttackResult['membership'];
  if (by === 'coordinator') learnedRaw = run.record?.learned ?? {};
  else if (attack.kind === 'collusion') {
    // no deviation at all: the colluders subtract what they know from the recipient's result
    const scores = run.failure ? undefined : await prep.scoresOf(join(run.files.partyDir(recipient), 'out', 'scores.csv')).then(scoresById, () => undefined);
    if (scores) {
      const known = await Promise.all(attack.parties.map((p) => truthOf(scenario, prep, p, slotIds, run.governance?.withheld.get(p))));
      learnedRaw[attack.target] = slotIds.map((id, i) => (scores.get(id) ?? Number.NaN) - known.reduce((s, k) => s + (k.values[i] as number), 0));
    }
  } else {
    const file = join(run.files.partyDir(by), 'out', 'attack.json');
    const output = (() => {
      try {
        return readJsonFile(file, attackOutputSchema, `${by}'s attack findings`);
      } catch {
        return undefined;
      }
    })();
    if (output) {
      learnedRaw = output.learned;
      if (output.probes.length) {
        slotIds = [...prep.applicants, ...output.probes];
        membership = {};
        for (const p of scenario.parties.filter((x) => x.id !== recipient)) {
          const members = prep.members.get(p.id) ?? new Set<string>();
          const learnedIds = output.membership[p.id] ?? [];
          membership[p.id] = {
            guesses: output.probes.length,
            learnedMembers: learnedIds.filter((id) => members.has(id)).length,
            trueMembers: output.probes.filter((id) => members.has(id)).length,
          };
        }
      }
    }
  }
  const learned = await measure(scenario, prep, learnedRaw, slotIds, run.governance?.withheld);
  const readSomething = Object.values(learned).some((l) => l.values > 0) || Object.values(membership ?? {}).some((m) => m.learnedMembers > 0);
  // tampering "succeeds" when the job ran through and only the referee, who sees all data, found the scores wrong
  const tampered = attack.kind === 'tamper' && !run.failure && design.error?.code === 'RUN_ERR_ACCURACY';
  const outcome: AttackResult['outcome'] = readSomething || tampered ? 'succeeded' : stoppedBy.length ? (run.failure ? 'refused' : 'detected') : 'failed';
  const effect = run.failure
    ? `the job ended: ${run.failure.code}`
    : design.ok
      ? 'the job finished and its result verified'
      : design.error?.code === 'RUN_ERR_ACCURACY'
        ? `the job finished, but the recipient's scores were wrong and no party noticed (the referee: ${design.error.message})`
        : `the job finished; the referee: ${design.error?.code}`;
  return { kind: attack.kind, by, defences, outcome, stoppedBy, learned, ...(membership ? { membership } : {}), effect };
}
