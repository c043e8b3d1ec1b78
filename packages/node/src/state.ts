/**
 * What each protocol step keeps in a party's session, one interface per step.
 * Kept apart from the steps so the session can hold them without importing
 * the steps (no import cycles).
 */
import type {
  BoxKeys,
  DecisionTable,
  EpochRecord,
  KeyPair,
  PaillierKeyPair,
  PartyModel,
  PsiPool,
  ReasonCandidate,
  ReasonValue,
  ScoreTable,
  ThresholdParty,
} from '@fedrisk/shared';
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
  /** the slots as PSI left them (before any record is withheld for want of an authorisation): what the alignment record keeps */
  aligned?: readonly string[];
}

export interface KeysState {
  /** single holder: the whole key pair */
  single: KeyPair | undefined;
  /** threshold: this party's key share */
  threshold: ThresholdParty | undefined;
  /** threshold: this party's X25519 keys for this job, to receive sealed decryption shares */
  box: BoxKeys | undefined;
  /** threshold: every party's commitment to its share (this party's included) */
  commits: Map<string, string>;
  /** threshold: what this party committed to, until it reveals it (training: with its rotation-key share) */
  pending: { share: Uint8Array; nonce: string; galois?: Uint8Array | undefined } | undefined;
  /** threshold: every party's revealed share and X25519 key (this party's included); training: its rotation-key share */
  shares: Map<string, { blob: Uint8Array; x25519: string; galois?: Uint8Array | undefined }>;
  /** training: the holder's rotation keys (single holder), or the collective ones every party formed (threshold) */
  galois: Uint8Array | undefined;
}

export interface ThresholdDecryptState {
  /** every party's commitment to its input (this party's included) */
  commits: Map<string, string>;
  /** this party's own input, until it reveals it */
  pending: { blobs: Uint8Array[]; nonce: string } | undefined;
  /**
   * every party's signed input ciphertexts (this party's own included); once this party has summed them it keeps
   * only who sent one (empty lists), unless it is a recipient staging a crafted input, which reads them again once
   * the shares are in (then until it has decrypted): at a million applicants they are hundreds of MB
   */
  inputs: Map<string, Uint8Array[]>;
  /** this party's own sum of every input and its digests, made at the first request that finds every input, and compared with every later one */
  ownSum: { blobs: Uint8Array[]; digests: string[] } | undefined;
  /** digests of every request this party answered: it never answers the same one twice */
  answered: Set<string>;
  /** recipient: the verified sum it will decrypt */
  verifiedSum: Uint8Array[] | undefined;
  /** recipient: the other parties' decryption shares, opened (emptied once it has decrypted) */
  shares: Map<string, Uint8Array[]>;
}

export interface ScoringState {
  /** the recipient's decrypted scores, in slot order */
  scores: ScoreTable | undefined;
}

export interface ReasonsState {
  /** recipient: per holder, the rejected slots it asked about and how many codes it wants for each */
  asked: Map<string, { slots: Set<number>; want: number }>;
  /** recipient: per holder that answered, its candidates by slot */
  answers: Map<string, Map<number, ReasonCandidate[]>>;
  /** recipient: its own candidates by slot (with exact points, which never leave it) */
  own: Map<number, ReasonCandidate[]>;
  /** recipient: a decision for every decrypted slot; the final reasons of those not approved once every holder answered */
  decisions: DecisionTable | undefined;
  /** recipient: per holder, what it received: applicants answered for, codes, bands */
  received: Record<string, { applicants: number; codes: number; bands: number }>;
  /** its own values of the columns it gave as reasons: for the notice the applicant may see, never sent */
  values: ReasonValue[];
  /** recipient: per holder, its code list as column and direction (the refinement's plan names codes by index) */
  codeLists?: Map<string, string[]>;
  /** recipient: what the refinement compared and what it cost */
  refined?: { pairs: number; unresolved: number; ms: number; bytes: number };
  /** holder: the exact cost of each code it gave, by `${slot},${code index}` (compared only under encryption) */
  points?: Map<string, number>;
}

/** Design "paillier": the recipient's key pair (made while the records are aligned), and the public key every party encrypts under. */
export interface PaillierState {
  keyPair: Promise<PaillierKeyPair> | undefined;
  publicKey: Uint8Array | undefined;
}

export interface TrainingState {
  /** single holder */
  trainer?: Trainer;
  /** threshold */
  threshold?: ThresholdTrainer;
}

/** What a party that staged an attack learned: per victim, one value per slot; or, for a PSI probe, membership. */
export interface AttackState {
  learned: Record<string, number[]>;
  membership: Record<string, string[]>;
  probes: string[];
}

/** One party's threshold trainer (steps/threshold-trainer.ts), as its session and handlers see it. */
export interface ThresholdTrainer {
  start(): Promise<void>;
  onInput(from: string, epoch: number, batch: number, blob: Uint8Array, signature: string): Promise<void>;
  onLabels(from: string, blobs: Uint8Array[], signature: string): void;
  onRequest(from: string, epoch: number, batch: number, what: 'gradient' | 'loss', width: number, request: Uint8Array, signature: string): Promise<void>;
  onShare(from: string, epoch: number, batch: number, what: 'gradient' | 'loss', blob: Uint8Array, signature: string): Promise<void>;
  onLoss(from: string, epoch: number, blobs: Uint8Array[], signature: string): Promise<void>;
  onEpoch(epoch: number, stop: boolean, signature: string | undefined): Promise<void>;
  model(): PartyModel;
  readonly epochs: EpochRecord[];
  dispose(): void;
}

/** One entry of a holder's comparison plan: its role for a pair, the masker, the position, and its own item. */
export interface PlanEntry {
  role: number;
  masker: number;
  position: number;
  slot: number;
  code: number;
  base: number;
}

/** The recipient's side, while it waits for the masked ciphertexts. */
export interface RefineRun {
  keys: KeyPair;
  /** per masker: the compared pairs by position */
  pairs: Map<string, { slot: number; key: string }[]>;
  masked: Map<string, Float64Array>;
  candidates: Map<number, ReasonCandidate[]>;
  unresolved: number;
  started: number;
  bytes: number;
  finish(orders: Map<number, number[]>, stats: RefineStats): Promise<void>;
}

export interface RefineStats {
  pairs: number;
  unresolved: number;
  ms: number;
  bytes: number;
}

/** A holder's side: the plan, R's key, the operands received. */
export interface RefineHold {
  publicKey?: Uint8Array;
  entries?: PlanEntry[];
  bound?: number;
  operands: Map<string, Uint8Array>;
  sent: boolean;
}

/** The reasons refinement (steps/reasons-refine.ts): the recipient's run, or a holder's part. */
export interface RefineState {
  run?: RefineRun;
  hold?: RefineHold;
}
