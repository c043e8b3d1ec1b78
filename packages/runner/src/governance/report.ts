/**
 * Governance in a design's result: the job's trails verified, each holder's
 * verdicts on the authorisations, and "minimum necessary" measured per party
 * from its own trail (columns used, records touched, records that left it in
 * any form) against what the job needed (the referee's count), with the
 * trails checked against the knowledge ledger the parties reported.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type AuditFinding, partyModelSchema, readJsonFile, type Scenario } from '@fedrisk/shared';
import type { Prepared } from '../prepare.ts';
import type { JobRun } from '../run-job.ts';
import { verifyJobDir } from './verify-run.ts';

export interface PartyNecessity {
  columns: { available: string[]; used: string[]; needed: string[]; usedBeyondNeed: string[] };
  records: {
    held: number;
    /** records whose id or values it processed for the job */
    touched: number;
    leftAsBlindedIds: number;
    leftAsIds: number;
    leftAsEncryptedValues: number;
    /** what the job needed from it: applicants it has a record of (holders: with a valid authorisation) */
    needed: number;
    /** values that left it beyond that need (0 when minimum necessary holds) */
    valuesBeyondNeed: number;
  };
}

export interface DesignGovernance {
  audit: { countersigned: boolean; entries: Record<string, number>; findings: AuditFinding[] };
  /** per holder: what it checked of the recipient's authorisations */
  authorisations: Record<
    string,
    {
      matched: number;
      authorised: number;
      unauthorised: number;
      verdicts: Record<string, number>;
      /** the holder's Ed25519 checks this job, and signatures it had verified earlier in the run (kept for it) */
      signatures?: { verified: number; remembered: number };
    }
  >;
  minimumNecessary: Record<string, PartyNecessity>;
  /** the trails against the ledger and summaries the parties reported */
  ledgerAgreement: { checked: number; disagreements: string[] };
}

type Entry = { event: string; data: Record<string, unknown> };

function trailOf(file: string): Entry[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as Entry];
      } catch {
        return [];
      }
    });
}

const num = (v: unknown) => (typeof v === 'number' ? v : 0);

export function designGovernance(scenario: Scenario, prep: Prepared, run: JobRun): DesignGovernance | undefined {
  const gov = run.governance;
  if (!gov) return undefined;
  const audit = verifyJobDir(prep.runDir, run.files.jobDir);
  const recipient = scenario.job.recipient;
  const authorisations: DesignGovernance['authorisations'] = {};
  const minimumNecessary: DesignGovernance['minimumNecessary'] = {};
  const disagreements: string[] = [];
  let checked = 0;
  const agree = (what: string, trail: number, ledger: number) => {
    checked++;
    if (trail !== ledger) disagreements.push(`${what}: the trail says ${trail}, the ledger ${ledger}`);
  };
  const trails = new Map(scenario.parties.map((p) => [p.id, trailOf(join(run.files.partyDir(p.id), 'out', 'audit.jsonl'))]));
  for (const p of scenario.parties) {
    const t = trails.get(p.id) ?? [];
    const of = (event: string) => t.filter((e) => e.event === event);
    const load = of('data.load')[0]?.data;
    const use = of('data.use')[0]?.data;
    const answer = of('data.answer')[0]?.data;
    const disclosed = (form: string) => of('data.disclose').reduce((n, e) => n + (e.data.form === form ? num(e.data.records) : 0), 0);
    const summary = run.summaries.get(p.id);
    // the columns its model needs: the trained model it scores with (or just trained), else the scenario's
    const trained = run.spec.kind === 'training' ? join(run.files.partyDir(p.id), 'out', 'model.json') : undefined;
    const modelFile = run.spec.modelFiles?.get(p.id) ?? (trained && existsSync(trained) ? trained : undefined);
    const needed = Object.keys(
      modelFile ? readJsonFile(modelFile, partyModelSchema, `${p.id}'s model`).features : (scenario.model[p.id]?.features ?? {}),
    ).sort();
    const used = ((use?.columns as string[] | undefined) ?? []).slice().sort();
    const own = prep.members.get(p.id);
    const withheld = gov.withheld.get(p.id);
    const neededRecords = withheld?.size ? prep.applicants.filter((id) => own?.has(id) && !withheld.has(id)).length : prep.heldAmong(p.id, prep.applicants);
    const values = num(use?.records);
    const blinded = disclosed('blinded ids');
    minimumNecessary[p.id] = {
      columns: { available: (load?.columns as string[] | undefined) ?? [], used, needed, usedBeyondNeed: used.filter((c) => !needed.includes(c)) },
      records: {
        held: num(load?.rows),
        touched: Math.max(p.id === recipient ? 0 : blinded, num(answer?.matched), values),
        leftAsBlindedIds: blinded,
        leftAsIds: disclosed('record ids'),
        leftAsEncryptedValues: values,
        needed: neededRecords,
        valuesBeyondNeed: Math.max(0, values - neededRecords),
      },
    };
    if (answer) {
      authorisations[p.id] = {
        matched: num(answer.matched),
        authorised: num(answer.authorised),
        unauthorised: num(answer.unauthorised),
        verdicts: (answer.verdicts as Record<string, number>) ?? {},
        ...(summary?.governance?.signatures ? { signatures: summary.governance.signatures } : {}),
      };
    }
    if (!summary) continue;
    if (load) agree(`${p.id} rows`, num(load.rows), summary.rows);
    if (use) agree(`${p.id} records contributed`, values, summary.governance?.contributed ?? -1);
    if (answer) {
      agree(`${p.id} records matched`, num(answer.matched), summary.idsLearned.intersection);
      agree(`${p.id} records authorised and used`, num(answer.authorised), values);
    }
    if (p.id !== recipient && scenario.job.alignment !== 'query') {
      if (blinded) agree(`${p.id} blinded ids sent`, blinded, summary.rows);
      // what the recipient's trail says it disclosed to this holder, against what this holder's ledger received
      const toMe = (trails.get(recipient) ?? []).filter((e) => e.event === 'data.disclose' && e.data.to === p.id).reduce((n, e) => n + num(e.data.records), 0);
      agree(`${recipient}'s blinded ids to ${p.id}`, toMe, summary.ledger.received.blindedIds);
    }
  }
  return {
    audit: { countersigned: audit.countersigned, entries: audit.entries, findings: audit.findings },
    authorisations,
    minimumNecessary,
    ledgerAgreement: { checked, disagreements },
  };
}
