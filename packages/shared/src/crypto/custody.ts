/**
 * Key custody as each process records it: the factories that create key
 * objects write here, and relays note what passed through, so the report's
 * key-custody table is derived from what happened, not written by hand.
 */
const KEY_MATERIAL = {
  secretKey: 'secret key (the whole key)',
  secretKeyShare: 'secret-key share (its own only)',
  publicKey: 'public key',
  collectivePublicKey: 'collective public key',
  rotationKeys: 'rotation keys',
  collectiveRotationKeys: "collective rotation keys (from every party's share)",
  sealingKey: 'X25519 key for sealed shares',
  identityKey: 'identity signing key',
  paillierSecretKey: 'Paillier secret key (the whole key)',
  refineSecretKey: 'secret key of the reasons refinement (fresh, its own)',
  refinePublicKey: 'public key of the reasons refinement',
  paillierPublicKey: 'Paillier public key',
  relayedPublicKey: 'public key (relayed)',
  relayedRotationKeys: 'rotation keys (relayed)',
  relayedKeyShares: 'public-key shares (relayed)',
  relayedRotationKeyShares: 'rotation-key shares (relayed)',
  relayedSealedShares: 'sealed decryption shares (relayed, unreadable)',
} as const;
export type KeyMaterialKind = keyof typeof KEY_MATERIAL;

export class KeyMaterialLog {
  readonly #held = new Set<KeyMaterialKind>();

  hold(kind: KeyMaterialKind): void {
    this.#held.add(kind);
  }

  has(kind: KeyMaterialKind): boolean {
    return this.#held.has(kind);
  }

  /** what was held, in the words of the key-custody table, in the order it was first held */
  toJSON(): string[] {
    return [...this.#held].map((k) => KEY_MATERIAL[k]);
  }
}
