/**
 * The summary's design comparison: every design run on the same data, side
 * by side (time, bytes, error), what each participant could read in the clear
 * under each, and, for a design run on a sample, its figures scaled to every
 * applicant, said as such.
 */
import type { DesignResult } from './report/types.ts';

const labelled = (label: string, text: string): string => `  ${label.padEnd(10)}${text}`;
const kb = (n: number) => (n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${(n / 1024).toFixed(0)} KB`);
const name = (d: DesignResult) => `${d.keys}${d.defences === 'off' ? ' (off)' : ''}`.padEnd(15);

export function designLines(designs: readonly DesignResult[]): string[] {
  const out = ['  designs   keys            ok    job s   after join s   on the wire   max error'];
  for (const d of designs) {
    const error = d.verification ? d.verification.maxAbsLogitError.toExponential(1) : (d.error?.code ?? '');
    const sampled = d.sample ? `   (on ${d.sample.values} of ${d.sample.of})` : '';
    out.push(
      `            ${name(d)} ${String(d.ok).padEnd(5)} ${(d.timings.jobMs / 1000).toFixed(1).padStart(5)}   ${(d.timings.afterJoinMs / 1000).toFixed(1).padStart(12)}   ${kb(d.bytesOnWire).padStart(11)}   ${error}${sampled}`,
    );
  }
  for (const d of designs)
    if (d.alignment.reusedFrom)
      out.push(labelled('align', `${d.keys} reused the ${d.alignment.reusedFrom} job's PSI alignment (each party its own record): its times leave PSI out`));
  for (const d of designs) {
    const s = d.sample;
    if (s)
      out.push(
        labelled(
          'sample',
          `${d.keys} encrypted the first ${s.values} of ${s.of} applicants; scaled to all ${s.of} (estimated, not measured): ${(s.extrapolated.jobMs / 1000).toFixed(1)} s for the job, ${(s.extrapolated.afterJoinMs / 1000).toFixed(1)} s after join, ${kb(s.extrapolated.bytesOnWire)} on the wire`,
        ),
      );
  }
  const withReads = designs.filter((d) => d.reads);
  if (withReads.length) {
    out.push(labelled('reads', 'values each participant could read in the clear (received unencrypted, or decrypted)'));
    for (const d of withReads)
      out.push(
        `            ${name(d)} ${Object.entries(d.reads ?? {})
          .map(([who, n]) => `${who} ${n}`)
          .join(' · ')}`,
      );
  }
  return out;
}
