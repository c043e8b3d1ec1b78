/**
 * docs/DEPLOYMENT.md's example configs are what a coordinator and a node
 * accept, agree with each other, and its commands use options the bins have.
 */
import { readFileSync } from 'node:fs';
import { coordinatorConfigSchema, nodeConfigSchema } from '@fedrisk/shared';
import { describe, expect, it } from 'vitest';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const guide = read('docs/DEPLOYMENT.md');

function example(name: string): unknown {
  const m = new RegExp(`<!-- deployment-example: ${name} -->\\n\`\`\`json\\n([\\s\\S]*?)\`\`\``).exec(guide);
  if (!m) throw new Error(`docs/DEPLOYMENT.md has no "${name}" example`);
  return JSON.parse(m[1] as string);
}

describe('docs/DEPLOYMENT.md', () => {
  const coordinator = coordinatorConfigSchema.parse(example('coordinator'));
  const node = nodeConfigSchema.parse(example('node'));

  it('the node agreed to the job the coordinator runs, and trusts a CA', () => {
    const { agreement } = node;
    expect(agreement).toBeDefined();
    expect(agreement?.jobId).toBe(coordinator.jobId);
    expect(agreement?.kind).toBe(coordinator.kind);
    expect(agreement?.keys).toBe(coordinator.keys);
    expect(agreement?.alignment).toBe(coordinator.alignment);
    // left out, the agreement means random-oracle: a coordinator on sha256 would be refused
    expect(agreement?.psiHash ?? 'random-oracle').toBe(coordinator.psiHash);
    expect(agreement?.recipient).toBe(coordinator.recipient);
    expect(agreement?.ckks).toEqual(coordinator.ckks);
    expect(agreement?.parties).toEqual(coordinator.parties.map(({ id, role }) => ({ id, role })));
    expect(node.roster?.map((r) => r.party)).toEqual(coordinator.parties.map((p) => p.id));
    expect(node.tls?.ca).toBeTruthy();
    expect(coordinator.tls).toBeDefined();
    // a deployment's links are real: no simulated network on top
    expect(coordinator.network).toBeUndefined();
  });

  it("its commands use the bins' own options", () => {
    const coordinatorUsage = read('packages/coordinator/src/bin/coordinator.ts');
    const nodeUsage = read('packages/node/src/bin/node.ts');
    for (const flag of ['--config', '--host', '--port', '--record', '--log-file']) expect(coordinatorUsage).toContain(`  ${flag} `);
    for (const flag of ['--keygen', '--config', '--coordinator', '--log-file']) expect(nodeUsage).toContain(`  ${flag} `);
    expect(guide).toContain('--coordinator wss://192.0.2.20:4100');
    expect(guide).toContain('subjectAltName=IP:192.0.2.20');
  });
});
