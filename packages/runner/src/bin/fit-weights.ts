#!/usr/bin/env -S npx tsx
/**
 * Stand-in for joint training until the federated trainer exists: fits the
 * split model in plaintext on a synthetic population drawn with a different
 * seed from the scenario's (so the scenario's own run is out of sample) and
 * prints the `model:` block to paste into the scenario.
 *   npm run fit-weights -- scenarios/default.yaml [--seed 7]
 */
import { parseArgs } from 'node:util';
import { isFedError, loadScenario, type PartyModel, parsePartyCsv } from '@fedrisk/shared';
import { alignedFeatures, fitLogistic, generatePopulation, partyCsv, pickApplicants } from '../index.ts';

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { seed: { type: 'string', default: '7' } } });
  const file = positionals[0];
  if (!file) throw new Error('usage: fit-weights <scenario.yaml> [--seed N]');
  const s = await loadScenario(file);
  const seed = Number(values.seed);
  const pop = generatePopulation({ seed, businesses: s.data.businesses, defaultRate: s.data.defaultRate, labelNoise: s.data.labelNoise, parties: s.parties });
  const ids = pickApplicants(pop, s.job.recipient, 'all', seed);
  const index = new Map(pop.ids.map((id, i) => [id, i]));
  const y = Uint8Array.from(ids, (id) => pop.label[index.get(id) as number] as number);
  const columns: Float64Array[] = [];
  const owners: { party: string; column: string; category?: string }[] = [];
  for (const p of s.parties) {
    const table = parsePartyCsv(partyCsv(pop, p.id, p.role), p.role, `${p.id}.csv`);
    const model = s.model[p.id] as PartyModel;
    const cols = alignedFeatures(table, model, ids);
    columns.push(...cols);
    for (const [column, fw] of Object.entries(model.features)) {
      if (fw.transform === 'onehot') for (const category of Object.keys(fw.weights)) owners.push({ party: p.id, column, category });
      else owners.push({ party: p.id, column });
    }
  }
  const fit = fitLogistic(columns, y, 1e-3);
  const r4 = (x: number) => Math.round(x * 10_000) / 10_000;
  const out: Record<string, PartyModel> = {};
  for (const p of s.parties) out[p.id] = { intercept: p.id === s.job.recipient ? r4(fit.intercept) : 0, features: {} };
  owners.forEach((o, j) => {
    const m = out[o.party] as PartyModel;
    const fw = (s.model[o.party] as PartyModel).features[o.column];
    const w = r4(fit.weights[j] as number);
    if (fw?.transform === 'onehot') {
      const cur = m.features[o.column];
      m.features[o.column] = { transform: 'onehot', weights: { ...(cur?.transform === 'onehot' ? cur.weights : {}), [o.category as string]: w } };
    } else if (fw) m.features[o.column] = { transform: fw.transform, weight: w };
  });
  process.stdout.write(`# fitted on seed ${seed}, ${ids.length} businesses, ${y.reduce((a, b) => a + b, 0)} defaults\n`);
  const lines = ['model:'];
  for (const [party, m] of Object.entries(out)) {
    lines.push(`  ${party}:`);
    if (m.intercept !== 0) lines.push(`    intercept: ${m.intercept}`);
    lines.push('    features:');
    for (const [column, fw] of Object.entries(m.features)) {
      const body =
        fw.transform === 'onehot'
          ? `weights: { ${Object.entries(fw.weights)
              .map(([k, v]) => `${k}: ${v}`)
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
