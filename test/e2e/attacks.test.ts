/**
 * Issue 11: every staged attack, with the defences on and off, side by side.
 * With them on, the attack is refused or detected and the report names who
 * and how; with them off, it succeeds and the referee measures exactly what
 * the attacker learned. Collusion has no defence in this design, and the
 * report says so by showing it succeed both ways.
 */
import { join } from 'node:path';
import { type Report, runScenario } from '@fedrisk/runner';
import { loadScenario } from '@fedrisk/shared';
import { beforeAll, describe, expect, it } from 'vitest';
import { fileTempDir, inProcess } from '../helpers/fixtures.ts';

const KINDS = ['rogue-key', 'crafted-input', 'cancelling-input', 'downgrade', 'key-swap', 'psi-probe', 'tamper', 'collusion'] as const;
const reports = new Map<(typeof KINDS)[number], Report>();

beforeAll(async () => {
  const runsDir = fileTempDir('fedrisk-attacks-');
  for (const kind of KINDS) {
    const scenario = await loadScenario(join(new URL('../../scenarios/attacks', import.meta.url).pathname, `${kind}.yaml`));
    if (scenario.data.kind === 'synthetic') scenario.data.businesses = 900;
    scenario.job.applicants = 300;
    const a = scenario.attacks[0];
    if (a?.kind === 'psi-probe') a.guesses = 100;
    const { report } = await runScenario({ scenario, scenarioFile: kind, runsDir, launcher: inProcess() });
    reports.set(kind, report);
  }
}, 240_000);

const both = (kind: (typeof KINDS)[number]) => {
  const r = reports.get(kind) as Report;
  const [on, off] = r.attacks ?? [];
  expect(on?.defences).toBe('on');
  expect(off?.defences).toBe('off');
  return { r, on: on as NonNullable<typeof on>, off: off as NonNullable<typeof off> };
};

/** Every victim's values the attacker read, all of them, exactly. */
function readAll(learned: Record<string, { values: number; of: number; maxError: number }>, victims: string[]) {
  expect(Object.keys(learned).sort()).toEqual([...victims].sort());
  for (const v of victims) {
    expect(learned[v]?.of, v).toBeGreaterThan(0);
    expect(learned[v]?.values, v).toBe(learned[v]?.of);
    expect(learned[v]?.maxError, v).toBeLessThan(1e-4);
  }
}

describe('attacks by a party, defences on and off', () => {
  it("rogue key: refused (commitment) by the honest parties; without commitments tax reads the others' inputs", () => {
    const { on, off } = both('rogue-key');
    expect(on.outcome).toBe('refused');
    expect(on.stoppedBy[0]).toMatchObject({ code: 'CRYPTO_ERR_COMMITMENT', message: expect.stringContaining("tax's key share does not match") });
    expect(['bank', 'guarantor']).toContain(on.stoppedBy[0]?.party);
    expect(on.learned).toEqual({});
    expect(off.outcome).toBe('succeeded');
    readAll(off.learned, ['bank', 'guarantor']);
  });

  it("crafted input: refused (commitment); without, the bank recovers the holders' key shares and reads their inputs", () => {
    const { r, on, off } = both('crafted-input');
    expect(on.outcome).toBe('refused');
    expect(on.stoppedBy[0]).toMatchObject({ code: 'CRYPTO_ERR_COMMITMENT', message: expect.stringContaining("bank's input does not match") });
    expect(off.outcome).toBe('succeeded');
    readAll(off.learned, ['tax', 'guarantor']);
    // the key custody table, made from what each process did, shows the bank ended up with a whole secret key
    const undefended = r.designs.find((d) => d.defences === 'off');
    expect(undefended?.keyCustody.find((k) => k.participant === 'bank')?.holds).toContain('secret key (the whole key)');
    expect(r.designs.find((d) => d.defences === 'on')?.keyCustody.find((k) => k.participant === 'bank')?.holds).not.toContain('secret key (the whole key)');
  });

  it('cancelling input: refused (commitment); without, the bank\'s "sum" is tax\'s input alone', () => {
    const { on, off } = both('cancelling-input');
    expect(on.outcome).toBe('refused');
    expect(on.stoppedBy[0]?.code).toBe('CRYPTO_ERR_COMMITMENT');
    expect(off.outcome).toBe('succeeded');
    readAll(off.learned, ['tax']);
  });

  it('PSI probe: refused (more ids than agreed); without, the bank learns which guessed ids each holder has', () => {
    const { on, off } = both('psi-probe');
    expect(on.outcome).toBe('refused');
    expect(on.stoppedBy[0]).toMatchObject({
      code: 'CRYPTO_ERR_PSI',
      message: expect.stringMatching(/bank sent 400 blinded ids; \w+ agreed to answer for at most 300/),
    });
    for (const m of Object.values(on.membership ?? {})) expect(m.learnedMembers).toBe(0);
    expect(off.outcome).toBe('succeeded');
    for (const [holder, m] of Object.entries(off.membership ?? {})) {
      expect(m.trueMembers, holder).toBeGreaterThan(0);
      expect(m.learnedMembers, holder).toBe(m.trueMembers);
    }
  });

  it("collusion: no defence in this design; two parties learn the third one's contribution either way", () => {
    const { on, off } = both('collusion');
    for (const a of [on, off]) {
      expect(a.outcome).toBe('succeeded');
      readAll(a.learned, ['guarantor']);
    }
  });
});

describe('attacks by the coordinator, defences on and off', () => {
  it("downgrade: every party refuses the job it did not agree to; without, the coordinator reads the holders' inputs", () => {
    const { r, on, off } = both('downgrade');
    expect(on.outcome).toBe('refused');
    expect(on.stoppedBy[0]).toMatchObject({ code: 'JOB_ERR_NOT_AGREED', message: expect.stringContaining('keys "single-holder", agreed "threshold"') });
    expect(off.outcome).toBe('succeeded');
    readAll(off.learned, ['tax', 'guarantor']);
    // the ledger counts it: a check that "the coordinator decrypted nothing" fails when it does
    const [defended, undefended] = r.designs;
    expect(defended?.ledger.coordinator?.decrypted).toBe(0);
    expect(undefended?.ledger.coordinator?.decrypted).toBe(2 * 300);
    expect(undefended?.keyCustody.find((k) => k.participant === 'coordinator')?.holds).toContain('secret key (the whole key)');
  });

  it('key swap: the holders refuse a public key the bank did not sign; without, the coordinator reads their inputs', () => {
    const { on, off } = both('key-swap');
    expect(on.outcome).toBe('refused');
    expect(on.stoppedBy[0]).toMatchObject({ code: 'CRYPTO_ERR_SIGNATURE', message: 'the keys.public said to come from bank is not signed by bank' });
    expect(off.outcome).toBe('succeeded');
    readAll(off.learned, ['tax', 'guarantor']);
  });

  it("tamper: refused (tax's signature); without, the bank's scores are silently wrong and only the referee notices", () => {
    const { r, on, off } = both('tamper');
    expect(on.outcome).toBe('refused');
    expect(on.stoppedBy[0]).toMatchObject({ code: 'CRYPTO_ERR_SIGNATURE', message: 'the scores.partial said to come from tax is not signed by tax' });
    expect(off.outcome).toBe('succeeded');
    const undefended = r.designs.find((d) => d.defences === 'off');
    expect(undefended?.error?.code).toBe('RUN_ERR_ACCURACY');
    // the shift the coordinator added, seen by the referee in every score
    expect(undefended?.error?.message).toMatch(/max \|logit error\| 3\.00e\+0/);
  });
});
