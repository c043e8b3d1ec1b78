#!/usr/bin/env -S npx tsx
/**
 * Stand-in for joint training until the federated trainer exists: fits the
 * split model in plaintext and prints the `model:` block to paste into the
 * scenario. Synthetic data: on a population drawn with another seed, so the
 * scenario's own run is out of sample. Real data: on the recipient's records
 * that are not among the applicants the run will score.
 *   npm run fit-weights -- scenarios/default.yaml [--seed 7]
 */
import { parseArgs } from 'node:util';
import { type EncodedFeature, isFedError, loadScenario, modelColumnsFor, type PartyModel, parsePartyCsv, type TableSchema, withWeights } from '@fedrisk/shared';
import { makeDataSet, sampleApplicants } from '../dataset.ts';
import { fitLogistic } from '../index.ts';

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { seed: { type: 'string', default: '7' } } });
  const file = positionals[0];
  if (!file) throw new Error('usage: fit-weights <scenario.yaml> [--seed N]');
  const s = await loadScenario(file);
  const synthetic = s.data.kind === 'synthetic';
  const seed = synthetic ? Number(values.seed) : s.seed;
  const ds = await makeDataSet(s, file, seed);
  const own = ds.members.get(s.job.recipient) ?? [];
  const scored = synthetic ? new Set<string>() : new Set(sampleApplicants(own, s.job.applicants, s.seed));
  const ids = own.filter((id) => !scored.has(id));
  const labels = ds.labels;
  const y = Uint8Array.from(ids, (id) => labels.get(id) ?? 0);
  const columns: Float64Array[] = [];
  const slices: { party: string; features: EncodedFeature[] }[] = [];
  for (const p of s.parties) {
    const table = parsePartyCsv(ds.files.get(p.id) as string, ds.schemas.get(p.id) as TableSchema, `${p.id}.csv`);
    const aligned = modelColumnsFor(table, s.model[p.id] as PartyModel, ids);
    columns.push(...aligned.columns);
    slices.push({ party: p.id, features: aligned.features });
  }
  const fit = fitLogistic(columns, y, 1e-3);
  const r4 = (x: number) => Math.round(x * 10_000) / 10_000;
  const out: Record<string, PartyModel> = {};
  let offset = 0;
  for (const { party, features } of slices) {
    const weights = fit.weights.slice(offset, offset + features.length).map(r4);
    offset += features.length;
    out[party] = withWeights(s.model[party] as PartyModel, features, weights, party === s.job.recipient ? r4(fit.intercept) : 0);
  }
  process.stdout.write(`# fitted on ${synthetic ? `seed ${seed}` : 'the records not scored'}, ${ids.length} rows, ${y.reduce((a, b) => a + b, 0)} positives\n`);
  const lines = ['model:'];
  for (const [party, m] of Object.entries(out)) {
    lines.push(`  ${party}:`);
    if (m.intercept !== 0) lines.push(`    intercept: ${m.intercept}`);
    lines.push('    features:');
    for (const [column, fw] of Object.entries(m.features)) {
      const body =
        fw.transform === 'onehot'
          ? `weights: { ${Object.entries(fw.weights)
              .map(([k, v]) => `${JSON.stringify(k)}: ${v}`)
              .join(', ')} }`
          : `weight: ${fw.weight}`;
      lines.push(`      ${column}: { transform: ${fw.transform}, ${body} }`);
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${isFedError(err) ? `${err.code}: ` : ''}${(err as Error).message}\n`);
  process.exitCode = 2;
});
