/**
 * Attacks a coordinator can stage (scenario `attacks:`), to show what the
 * parties' defences stop. Honest jobs never load any of this: a job asks for
 * hooks only when its config names an attack.
 *  - key-swap (single holder): hand out its own public key as the holder's,
 *    decrypt each holder's partials, re-encrypt their sum under the holder's
 *    real key so the recipient sees a correct result;
 *  - downgrade (threshold agreed): start a single-holder job instead, then
 *    swap keys as above;
 *  - tamper: add 3 to every slot of one party's input on its way.
 * What the coordinator learned goes into its job record, for the referee.
 */
import { addPlainValues, encryptVector, generateKeyPair, type KeyPair, type KeysDesign, sumCiphertexts } from '@fedrisk/shared';
import type { JobDeps } from './job.ts';

/** The shift a tampering coordinator adds to every slot of its target's input. */
export const TAMPER_SHIFT = 3;

export interface CoordinatorAttackHooks {
  /** the design the coordinator actually runs */
  keys: KeysDesign;
  swapPublicKey?: (holderKey: Uint8Array) => Uint8Array;
  /** key swap: the sum the recipient gets, made from the inputs after reading the holders' */
  aggregate?: (inputs: ReadonlyMap<string, Uint8Array[]>, slots: number) => Promise<Uint8Array[]>;
  tamper?: (party: string, blobs: Uint8Array[]) => Uint8Array[];
  /** what the coordinator read, per party: one value per slot */
  learned(): Record<string, number[]>;
  dispose(): void;
}

export function stageAttack(deps: JobDeps): CoordinatorAttackHooks | undefined {
  const attack = deps.config.attack;
  if (!attack) return undefined;
  const learned: Record<string, number[]> = {};
  if (attack.kind === 'tamper') {
    return {
      keys: deps.config.keys,
      tamper: (party, blobs) => {
        if (party !== attack.target) return blobs;
        deps.logger.warn({ target: party }, 'attack: altering an input on its way');
        const ckks = deps.ckks();
        return blobs.map((b) => addPlainValues(ckks, b, new Float64Array(ckks.slots).fill(TAMPER_SHIFT)));
      },
      learned: () => learned,
      dispose: () => {},
    };
  }
  // key-swap and downgrade: the coordinator makes a key pair of its own
  let own: KeyPair | undefined;
  let holderKey: Uint8Array | undefined;
  const holder = deps.config.keyHolder ?? deps.config.recipient;
  return {
    keys: 'single-holder',
    swapPublicKey: (key) => {
      holderKey = key;
      own ??= generateKeyPair(deps.ckks(), { custody: deps.custody, ledger: deps.ledger });
      deps.logger.warn("attack: handing out the coordinator's own public key as the holder's");
      return own.publicKeyBytes;
    },
    aggregate: async (inputs, slots) => {
      const ckks = deps.ckks();
      const pair = own as KeyPair;
      const plain = new Float64Array(slots);
      for (const [party, blobs] of inputs) {
        if (party === holder) continue;
        const values = await pair.decrypt(blobs, slots);
        learned[party] = Array.from(values);
        for (let i = 0; i < slots; i++) plain[i] = (plain[i] as number) + (values[i] as number);
      }
      // re-encrypted under the holder's real key, and added to its own input: the result looks right
      const reencrypted = await encryptVector(ckks, holderKey as Uint8Array, plain);
      return sumCiphertexts(ckks, [inputs.get(holder) as Uint8Array[], reencrypted], { signal: deps.signal, names: [holder, 'the coordinator'] });
    },
    learned: () => learned,
    dispose: () => own?.delete(),
  };
}
