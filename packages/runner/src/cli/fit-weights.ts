/**
 * fedrisk fit-weights: a plaintext reference fit of the split model, printed
 * as the `model:` block a scenario that scores without training needs. It
 * reads every party's data, as the referee may; no party ever does.
 * Synthetic data: fitted on a population drawn with another seed, so the
 * scenario's own run is out of sample. Real data: on the recipient's records
 * the run does not score (its training rows, under train:).
 */
import { resolve } from 'node:path';
import {
  completeModel,
  type EncodedFeature,
  FedError,
  loadScenario,
  modelColumnsFor,
  type PartyModel,
  parsePartyCsv,
  type Scenario,
  type TableSchema,
  withWeights,
} from '@fedrisk/shared';
import { makeDataSet } from '../dataset.ts';
import { splitRows } from '../prepare.ts';
import { fitLogistic } from '../stats.ts';
import type { Args, CliIo, CommandSpec } from './args.ts';

export const fitWeightsSpec: CommandSpec = {
  name: 'fit-weights',
  summary: "fit the split model's weights in plaintext and print the model: block to paste into a scenario",
  usage: 'fedrisk fit-weights <scenario.yaml> [--seed N]   (also: npm run fit-weights -- <scenario.yaml>)',
  description:
    "A reference fit (logistic regression, L2 1e-3), not the federated protocol: it reads every party's columns at once. Synthetic data: fitted on a population drawn with --seed, not the scenario's own, so the run scores out of sample. Real data: fitted on the recipient's records the run does not score (its training rows when the scenario has train:); with job.applicants: all and no train: nothing is left, which is an error.\n\nThe features are those the scenario lists for each party; a party it lists none for (or every party, under train:) uses all its columns, completed by the rule in docs/SCENARIOS.md.",
  positionals: [{ name: '<scenario.yaml>', help: 'the scenario file', required: true }],
  options: {
    seed: {
      kind: 'integer',
      value: '<N>',
      help: "synthetic data: the seed of the population to fit on (not the scenario's own)",
      default: 7,
      min: 0,
      max: 2 ** 32 - 1,
    },
  },
  exits: [],
};

/** The rows to fit on: another population's (synthetic), or the recipient's records the run does not score. */
function fitRows(s: Scenario, own: readonly string[]): string[] {
  if (s.data.kind === 'synthetic') return [...own];
  const { applicants, trainIds } = splitRows(s, own);
  if (s.train) return trainIds;
  const scored = new Set(applicants);
  const rows = own.filter((id) => !scored.has(id));
  if (!rows.length)
    throw new FedError(
      'SCENARIO_ERR_INVALID',
      `every one of ${s.job.recipient}'s ${own.length} records is scored (job.applicants: ${s.job.applicants}), so none is left to fit on out of sample: set job.applicants below ${own.length}, or add a train: section`,
    );
  return rows;
}

function modelOf(s: Scenario, party: string, table: ReturnType<typeof parsePartyCsv>, schema: TableSchema): PartyModel {
  const spec = s.model[party];
  const listed = Object.keys(spec?.features ?? {});
  // without train: exactly the features the scenario lists; with it (or none listed): every column
  const columns = !s.train && listed.length ? listed : schema.columns.map((c) => c.name);
  return completeModel(table, columns, spec, party);
}

/** A name as a YAML key: bare when it reads back as the same string, quoted otherwise (codes such as "1", odd characters). */
const yamlKey = (k: string) => (/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(k) && !/^(true|false|null|yes|no|on|off|y|n)$/i.test(k) ? k : JSON.stringify(k));

export async function fitWeightsCommand(args: Args, io: CliIo): Promise<number> {
  const file = resolve(io.cwd, args.positionals[0] as string);
  const s = await loadScenario(file, args.positionals[0] as string);
  const synthetic = s.data.kind === 'synthetic';
  const seed = synthetic ? (args.integer('seed') as number) : s.seed;
  const ds = await makeDataSet(s, file, seed);
  const ids = fitRows(s, ds.members.get(s.job.recipient) ?? []);
  const y = Uint8Array.from(ids, (id) => ds.labels.get(id) ?? 0);
  const positives = y.reduce((a, b) => a + b, 0);
  if (positives === 0 || positives === ids.length)
    throw new FedError(
      'DATA_ERR_CSV',
      `the ${ids.length} rows to fit on have ${positives ? 'only defaults' : 'no default'} among their labels: nothing to fit`,
    );
  const columns: Float64Array[] = [];
  const slices: { party: string; model: PartyModel; features: EncodedFeature[] }[] = [];
  for (const p of s.parties) {
    const schema = ds.schemas.get(p.id) as TableSchema;
    const table = parsePartyCsv((ds.files.get(p.id) as () => string)(), schema, `${p.id}.csv`);
    const model = modelOf(s, p.id, table, schema);
    const aligned = modelColumnsFor(table, model, ids);
    columns.push(...aligned.columns);
    slices.push({ party: p.id, model, features: aligned.features });
  }
  const fit = fitLogistic(columns, y, 1e-3);
  const r4 = (x: number) => Math.round(x * 10_000) / 10_000;
  const lines = [
    `# fitted on ${synthetic ? `a population drawn with seed ${seed}` : 'the records the run does not score'}: ${ids.length} rows, ${positives} defaults`,
    'model:',
  ];
  let offset = 0;
  for (const { party, model, features } of slices) {
    const weights = fit.weights.slice(offset, offset + features.length).map(r4);
    offset += features.length;
    const m = withWeights(model, features, weights, party === s.job.recipient ? r4(fit.intercept) : 0);
    lines.push(`  ${party}:`);
    if (m.intercept !== 0) lines.push(`    intercept: ${m.intercept}`);
    lines.push('    features:');
    for (const [column, fw] of Object.entries(m.features)) {
      const body =
        fw.transform === 'onehot'
          ? `weights: { ${Object.entries(fw.weights)
              .map(([k, v]) => `${yamlKey(k)}: ${v}`)
              .join(', ')} }`
          : `weight: ${fw.weight}`;
      lines.push(`      ${yamlKey(column)}: { transform: ${fw.transform}, ${body} }`);
    }
  }
  io.out(`${lines.join('\n')}\n`);
  return 0;
}
