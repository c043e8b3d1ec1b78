/**
 * The short human summary a run ends with. Every line fits 100 columns
 * (long ones wrap under their label), and every figure says what it is
 * measured against.
 */
import { reasonsLines } from './decisions/summary.ts';
import { governanceLines } from './governance/summary.ts';
import { portfolioLines } from './portfolio/summary.ts';
import type { Report } from './report/types.ts';
import { attackLines } from './summary-attacks.ts';
import { designLines } from './summary-designs.ts';
import { fitLine } from './text.ts';

/** One logical summary line: a label column of 10 characters, then its text (wrapped later). */
const labelled = (label: string, text: string): string => `  ${label.padEnd(10)}${text}`;

const kb = (n: number) => (n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${(n / 1024).toFixed(0)} KB`);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function alignment(r: Report): string {
  const a = r.alignment;
  const holders = Object.entries(a.holders);
  if (a.mode === 'query')
    return labelled(
      'alignment',
      `query: every holder received all ${a.applicants} applicant ids (${holders.map(([id, h]) => `${id}: ${h.holderLearnedOthersApplicants} it had no record of`).join(', ')})`,
    );
  if (a.mode === 'psi')
    return labelled(
      'alignment',
      `psi: ${holders.map(([id, h]) => `${id} learned ${h.holderLearnedIntersection} of its customers are in the bank's list`).join(', ')}; no raw id crossed the wire`,
    );
  return labelled(
    'alignment',
    `psi-cardinality: the bank learned only overlap sizes: ${holders.map(([id, h]) => `${id} ${h.recipientLearned} (true ${h.trueIntersection})`).join(', ')}`,
  );
}

function scored(r: Report): string[] {
  const v = r.verification;
  if (!v) return [];
  const out = [
    `Scored ${v.scored} businesses jointly (keys: ${r.keys}); ${v.defaults} of them default in the hidden labels (${(100 * v.defaultRate).toFixed(1)}%).`,
  ];
  const target = r.threshold ? r.threshold.targetMaxError : 1e-6;
  out.push(
    labelled(
      'accuracy',
      `max |logit error| ${v.maxAbsLogitError.toExponential(1)} against the referee's plaintext recomputation of every score (target <= ${target.toExponential(0)})`,
    ),
  );
  if (r.threshold)
    out.push(
      labelled(
        'smudging',
        `noise bound 2^${r.threshold.noiseBoundBits}, smudging sigma 2^${r.threshold.smudgingBits} per party: ${r.threshold.marginBits}-bit margin`,
      ),
    );
  out.push(alignment(r));
  const n3 = (x: number | null) => (x === null || !Number.isFinite(x) ? 'n/a' : x.toFixed(3));
  out.push(
    labelled(
      'sharing',
      `AUC ${n3(v.auc)} joint vs ${n3(v.bankOnlyAuc)} bank alone · KS ${n3(v.ks)} vs ${n3(v.bankOnlyKs)} on these applicants' hidden labels, both out of sample (bank alone: its own columns, fitted on ${v.bankOnlyBasis?.fittedOn ?? 'another sample'})`,
    ),
  );
  out.push(
    labelled(
      'cost',
      `${seconds(r.timings.jobMs)} for the job (${seconds(r.timings.afterJoinMs)} after everyone joined) · ${kb(r.bytesOnWire)} through the coordinator`,
    ),
  );
  const coord = r.ledger.coordinator?.received;
  if (coord)
    out.push(
      labelled(
        'privacy',
        `the coordinator received ${coord.businessIds} business ids, ${coord.publicKeys + coord.publicKeyShares} public key(s)/share(s), ${coord.ciphertexts} ciphertexts, ${coord.sealedDecryptionShares} sealed shares, ${coord.plaintextValues} plaintext values, ${coord.secretKeys} secret keys`,
      ),
    );
  const gaps = Object.entries(r.businesses.perParty).filter(([, p]) => p.gaps > 0);
  if (gaps.length) out.push(labelled('gaps', `${gaps.map(([id, p]) => `${id} ${p.gaps}`).join(' · ')} applicants without a record (neutral contribution)`));
  return out;
}

function training(r: Report): string[] {
  const t = r.training;
  if (!t) return [];
  const last = t.epochs[t.epochs.length - 1];
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
  const out = [
    labelled(
      'training',
      `keys ${t.keys}: ${t.epochs.length} epoch(s) on ${t.trainRows} rows, ${t.secondsPerEpoch.toFixed(1)} s each under encryption (${t.plaintextSecondsPerEpoch.toFixed(3)} s in plaintext), final ${t.lossKind === 'taylor' ? 'Taylor ' : ''}loss ${last?.loss.toFixed(4) ?? '-'}; test AUC on ${t.testRows} held-out rows: federated ${t.federated.testAuc.toFixed(3)} · centralised ${t.centralised.testAuc.toFixed(3)} (same algorithm in plaintext on all columns) · bank alone ${t.bankOnly.testAuc.toFixed(3)} (same algorithm on the bank's columns)`,
    ),
  ];
  if (t.dp)
    out.push(
      labelled(
        'dp',
        `labels against each holder: (epsilon ${t.dp.epsilon}, delta ${t.dp.delta}) over ${t.params.epochs} epochs, clip ${t.dp.clip}, noise sigma ${t.dp.sigma.toFixed(2)} per batch-sum coordinate; spent epsilon ${t.dp.epsilonSpent.toFixed(3)} in ${t.dp.epochsRun} epochs; test AUC ${t.federated.testAuc.toFixed(3)} with noise vs ${t.dp.noiselessTestAuc.toFixed(3)} without (same clipping)`,
      ),
    );
  for (const d of t.designs ?? []) {
    const bank = d.ledger[r.scenario.parties.find((p) => p.role === 'bank')?.id ?? 'bank'];
    const as = Object.entries(bank?.decryptedAs ?? {})
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    out.push(
      labelled(
        'trained',
        `${d.keys}: ${d.ok ? `${d.secondsPerEpoch.toFixed(2)} s and ${mb(d.bytesPerEpoch)} per epoch, key setup ${mb(d.keySetupBytes)}, test AUC ${d.testAuc?.toFixed(4)} (centralised ${d.centralisedTestAuc?.toFixed(4)}); the bank decrypted ${as || 'nothing'}` : `failed ${d.error?.code}`}`,
      ),
    );
  }
  return out;
}

/**
 * The summary as logical lines, before wrapping: what the golden tests
 * compare (figures masked), since where a line wraps depends on the figures.
 */
export function summaryItems(r: Report, runDir: string): string[] {
  const out: string[] = [''];
  const a = r.alignment;
  if (!r.ok) {
    out.push(`FAILED (${r.keys}): ${r.error?.code}: ${r.error?.message}`);
    for (const x of r.refusals) out.push(`  refused by ${x.party}: ${x.code}`);
  } else if (a.mode === 'psi-cardinality') {
    out.push(`Aligned ${a.applicants} applicants with ${Object.keys(a.holders).length} holders by PSI; nothing was scored (psi-cardinality).`);
    out.push(alignment(r));
    out.push(labelled('cost', `${seconds(r.timings.jobMs)} for the job · ${kb(r.bytesOnWire)} through the coordinator`));
  } else out.push(...scored(r));
  out.push(...training(r));
  out.push(...governanceLines(r));
  if (r.portfolio) out.push(...portfolioLines(r.portfolio));
  if (r.reasons) out.push(...reasonsLines(r.reasons));
  out.push(
    labelled(
      'scorecard',
      `${r.scorecard.baseScore} points at odds ${r.scorecard.baseOdds}:1, ${r.scorecard.pdo} points to double the odds (score = ${r.scorecard.offset.toFixed(1)} - ${r.scorecard.factor.toFixed(2)} x logit)`,
    ),
  );
  for (const d of r.designs.slice(1)) if (!d.ok) out.push(`FAILED (${d.keys}): ${d.error?.code}: ${d.error?.message}`);
  if (r.designs.length > 1 || r.designs.some((d) => d.sample)) out.push(...designLines(r.designs));
  out.push(...attackLines(r));
  out.push(labelled('report', `${runDir}/report.json · ${runDir}/report.html (charts; opens offline in a browser)`));
  return out;
}

/** The summary as printed: every line at most 100 columns, a long one wrapped under its label. */
export function summarise(r: Report, runDir: string): string[] {
  return summaryItems(r, runDir).flatMap((item) => fitLine(item));
}
