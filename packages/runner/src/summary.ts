/** The short human summary a run ends with. */
import { portfolioLines } from './portfolio/summary.ts';
import type { Report } from './report/types.ts';
import { attackLines } from './summary-attacks.ts';

const kb = (n: number) => (n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${(n / 1024).toFixed(0)} KB`);

export function summarise(r: Report, runDir: string): string[] {
  const out: string[] = [''];
  const a = r.alignment;
  const alignLine = () => {
    const holders = Object.entries(a.holders);
    if (a.mode === 'query') {
      out.push(
        `  alignment query: every holder received all ${a.applicants} applicant ids (${holders.map(([id, h]) => `${id}: ${h.holderLearnedOthersApplicants} it had no record of`).join(', ')})`,
      );
    } else if (a.mode === 'psi') {
      out.push(
        `  alignment psi: ${holders.map(([id, h]) => `${id} learned ${h.holderLearnedIntersection} of its customers are applicants`).join(', ')}; no raw id crossed the wire`,
      );
    } else {
      out.push(
        `  alignment psi-cardinality: the bank learned only overlap sizes: ${holders.map(([id, h]) => `${id} ${h.recipientLearned} (true ${h.trueIntersection})`).join(', ')}`,
      );
    }
  };
  if (!r.ok) {
    out.push(`FAILED (${r.keys}): ${r.error?.code}: ${r.error?.message}`);
    for (const x of r.refusals) out.push(`  refused by ${x.party}: ${x.code}`);
  } else if (a.mode === 'psi-cardinality') {
    out.push(`Aligned ${a.applicants} applicants with ${Object.keys(a.holders).length} holders by PSI; nothing was scored (psi-cardinality).`);
    alignLine();
    out.push(`  cost      ${(r.timings.jobMs / 1000).toFixed(1)} s for the job · ${kb(r.bytesOnWire)} on the wire`);
  } else if (r.verification) {
    const v = r.verification;
    const coord = r.ledger.coordinator?.received;
    out.push(
      `Scored ${v.scored} businesses jointly (keys: ${r.keys}); ${v.defaults} of them default in the hidden labels (${(100 * v.defaultRate).toFixed(1)} %).`,
    );
    const target = r.threshold ? r.threshold.targetMaxError : 1e-6;
    out.push(`  accuracy  max |logit error| vs plaintext ${v.maxAbsLogitError.toExponential(1)} (target <= ${target.toExponential(0)})`);
    if (r.threshold)
      out.push(
        `  smudging  noise bound 2^${r.threshold.noiseBoundBits}, smudging sigma 2^${r.threshold.smudgingBits} per party: ${r.threshold.marginBits}-bit margin`,
      );
    alignLine();
    const n3 = (x: number | null) => (x === null || !Number.isFinite(x) ? 'n/a' : x.toFixed(3));
    out.push(
      `  sharing   AUC ${n3(v.auc)} joint vs ${n3(v.bankOnlyAuc)} bank alone · KS ${n3(v.ks)} vs ${n3(v.bankOnlyKs)} (bank alone fitted out of sample on ${v.bankOnlyBasis?.fittedOn ?? 'another sample'})`,
    );
    out.push(
      `  cost      ${(r.timings.jobMs / 1000).toFixed(1)} s for the job (${(r.timings.afterJoinMs / 1000).toFixed(1)} s after everyone joined) · ${kb(r.bytesOnWire)} on the wire`,
    );
    if (coord) {
      out.push(
        `  privacy   the coordinator received ${coord.businessIds} business ids, ${coord.publicKeys + coord.publicKeyShares} public key(s)/share(s), ${coord.ciphertexts} ciphertexts, ${coord.sealedDecryptionShares} sealed shares, ${coord.plaintextValues} plaintext values, ${coord.secretKeys} secret keys`,
      );
    }
    const gaps = Object.entries(r.businesses.perParty).filter(([, p]) => p.gaps > 0);
    if (gaps.length) out.push(`  gaps      ${gaps.map(([id, p]) => `${id} ${p.gaps}`).join(' · ')} applicants without a record (neutral contribution)`);
  }
  const t = r.training;
  if (t) {
    const last = t.epochs[t.epochs.length - 1];
    out.push(
      `  training  ${t.epochs.length} epoch(s), ${t.secondsPerEpoch.toFixed(1)} s each (plaintext ${t.plaintextSecondsPerEpoch.toFixed(3)} s), final loss ${last?.loss.toFixed(4) ?? '-'}; test AUC federated ${t.federated.testAuc.toFixed(3)} · centralised ${t.centralised.testAuc.toFixed(3)} · bank alone ${t.bankOnly.testAuc.toFixed(3)} (all three by the same algorithm and epochs on the training rows)`,
    );
  }
  if (r.portfolio) out.push(...portfolioLines(r.portfolio));
  out.push(
    `  scorecard ${r.scorecard.baseScore} points at odds ${r.scorecard.baseOdds}:1, ${r.scorecard.pdo} points to double the odds (score = ${r.scorecard.offset.toFixed(1)} - ${r.scorecard.factor.toFixed(2)} x logit)`,
  );
  for (const d of r.designs.slice(1)) if (!d.ok) out.push(`FAILED (${d.keys}): ${d.error?.code}: ${d.error?.message}`);
  if (r.designs.length > 1) {
    out.push('  designs   keys            ok    job s   after join s   on the wire   max error');
    for (const d of r.designs) {
      out.push(
        `            ${`${d.keys}${d.defences === 'off' ? ' (off)' : ''}`.padEnd(15)} ${String(d.ok).padEnd(5)} ${(d.timings.jobMs / 1000).toFixed(1).padStart(5)}   ${(d.timings.afterJoinMs / 1000).toFixed(1).padStart(12)}   ${kb(d.bytesOnWire).padStart(11)}   ${d.verification ? d.verification.maxAbsLogitError.toExponential(1) : d.error?.code}`,
      );
    }
  }
  out.push(...attackLines(r));
  out.push(`  report    ${runDir}/report.json`);
  return out;
}
