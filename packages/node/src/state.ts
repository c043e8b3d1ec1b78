/**
 * What each protocol step keeps in a party's session, one interface per step.
 * Kept apart from the steps so the session can hold them without importing
 * the steps (no import cycles).
 */
import type { EphemeralKey, KeyPair, PsiPool, ScoredBusiness, ThresholdParty } from '@fedrisk/shared';
import type { Trainer } from './steps/trainer.ts';

export interface PsiState {
  pool: PsiPool;
  key: Buffer;
  /** holder: its customers' order in what it sent (a random permutation of its rows) */
  ownOrder?: Uint32Array;
  /** holder: its own blinded customers, being computed while it waits for the recipient */
  ownBlinded?: Promise<Buffer>;
  /** holder: how many slots the recipient's list has */
  slots: number;
  /** recipient: holders that have replied */
  replied: Set<string>;
}

export interface KeysState {
  /** single holder: the whole key pair */
  single: KeyPair | undefined;
  /** threshold: this party's key share */
  threshold: ThresholdParty | undefined;
  /** threshold: this party's X25519 key, to receive sealed decryption shares */
  ephemeral: EphemeralKey | undefined;
  /** threshold: every party's published share and X25519 key (this party's included) */
  shares: Map<string, { blob: Uint8Array; x25519: string }>;
  /** training: the holder's rotation keys */
  galois: Uint8Array | undefined;
}

export interface ThresholdDecryptState {
  /** every party's signed input ciphertexts (this party's own included) */
  inputs: Map<string, Uint8Array[]>;
  /** digests of every request this party answered: it never answers the same one twice */
  answered: Set<string>;
  /** recipient: the verified sum it will decrypt */
  verifiedSum: Uint8Array[] | undefined;
  /** recipient: the other parties' sealed shares */
  sealedShares: Map<string, Uint8Array[]>;
}

export interface ScoringState {
  /** the recipient's decrypted scores, in slot order */
  scores: ScoredBusiness[] | undefined;
}

export interface TrainingState {
  trainer: Trainer;
}
