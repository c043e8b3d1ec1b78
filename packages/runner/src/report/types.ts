/** The report a run writes (report.json): its types, one place. */
import type { Alignment, Attack, IdsLearned, KeysDesign, KnowledgeCounts, LinkCount, NetworkConditions, Scenario, WireError } from '@fedrisk/shared';
import type { CurveSet } from '../curves.ts';
import type { ReasonsReport } from '../decisions/quality.ts';
import type { DesignGovernance } from '../governance/report.ts';
import type { RunGovernanceReport } from '../governance/stage.ts';
import type { PortfolioReport } from '../portfolio/types.ts';
import type { Verification } from '../referee.ts';

export interface LedgerEntry {
  received: KnowledgeCounts;
  decrypted: number;
  /** the same by what was decrypted (training: residual, maskedGradient, ownGradient, loss), as the key objects counted */
  decryptedAs?: Record<string, number>;
  /** business ids the participant learned, by kind (parties only) */
  idsLearned?: IdsLearned;
}

/** What each side learned about the overlap, next to the truth the referee knows. */
export interface AlignmentResult {
  mode: Alignment;
  /** psi: the job (design) whose alignment this job reused, each party from its own record; its times leave PSI out */
  reusedFrom?: string;
  applicants: number;
  holders: Record<
    string,
    {
      customers: number;
      /** applicants the holder has records of (referee's count) */
      trueIntersection: number;
      /** the overlap size the recipient learned */
      recipientLearned: number;
      /** own customers the holder learned are applicants */
      holderLearnedIntersection: number;
      /** ids of applicants it had no record of that the holder received */
      holderLearnedOthersApplicants: number;
    }
  >;
}

export interface ThresholdBound {
  /** estimated standard deviation of the summed ciphertext's noise, in bits */
  noiseStdBits: number;
  /** bound the smudging must hide (16 standard deviations), in bits */
  noiseBoundBits: number;
  /** standard deviation of each party's smudging noise, in bits */
  smudgingBits: number;
  /** smudgingBits - noiseBoundBits: statistical distance about 2^-margin */
  marginBits: number;
  expectedSlotErrorStd: number;
  targetMaxError: number;
}

/** A design run on a sample of the applicants (paillier), and its figures scaled to all of them. */
export interface DesignSample {
  /** applicants encrypted and scored */
  values: number;
  /** applicants in the job */
  of: number;
  /** how the figures were scaled, in words */
  method: string;
  extrapolated: { jobMs: number; afterJoinMs: number; bytesOnWire: number };
}

/** One design's run on the scenario's data: everything the report says about it. */
export interface DesignResult {
  keys: KeysDesign;
  ok: boolean;
  error?: WireError;
  verification?: Verification;
  phases: { name: string; ms: number; bytes?: number }[];
  links: LinkCount[];
  bytesOnWire: number;
  ledger: Record<string, LedgerEntry>;
  keyCustody: { participant: string; holds: string[] }[];
  refusals: { party: string; code: string; message: string }[];
  threshold?: ThresholdBound;
  alignment: AlignmentResult;
  timings: { jobMs: number; afterJoinMs: number; perParty: Record<string, Record<string, number>> };
  /** per participant: plaintext values it could read (received in the clear, or decrypted), from its ledger */
  reads?: Record<string, number>;
  /** the Paillier design on a sample: how many applicants, and time and bytes extrapolated to all */
  sample?: DesignSample;
  /** a staged attack: whether the parties' defences were on, and what came of it */
  defences?: 'on' | 'off';
  attack?: AttackResult;
  /** the job's audit trails verified, authorisations checked, minimum necessary measured */
  governance?: DesignGovernance;
}

export interface Report extends DesignResult {
  version: 1;
  runId: string;
  startedAt: string;
  scenario: {
    name: string;
    file: string;
    seed: number;
    keys: KeysDesign;
    alignment: Alignment;
    parties: { id: string; role: string; coverage: number }[];
    network: NetworkConditions;
  };
  businesses: { population: number; scored: number; perParty: Record<string, { rows: number; gaps: number }> };
  crypto: {
    scheme: 'CKKS';
    polyModulusDegree: number;
    coeffModulusBits: number[];
    scaleBits: number;
    compression: string;
    slotsPerCiphertext: number;
    ciphertextsPerParty: number;
  };
  /** every design run on the same data, the scenario's own first */
  designs: DesignResult[];
  /** staged attacks, one per job (defences on and off side by side) */
  attacks?: AttackResult[];
  /** joint training, when the scenario trains: loss per epoch and the referee's fidelity check */
  training?: TrainingReport;
  /** score = offset - factor * logit: points at the base odds and per doubling of the odds */
  scorecard: { baseScore: number; baseOdds: number; pdo: number; factor: number; offset: number };
  /** loans, losses and who bears them under the credit policy, joint vs bank alone, per macro scenario */
  portfolio?: PortfolioReport;
  /** reasons for every rejection: counts, what the recipient received, and the referee's check of their quality */
  reasons?: ReasonsReport;
  /** authorisations issued to the recipient (governance) */
  authorisations?: RunGovernanceReport['authorisations'];
  /** the regulator's reviews, flags, suspensions, and the job it had refused */
  regulator?: RunGovernanceReport['regulator'];
  /** where the records came from; real-data rows left out for a missing value */
  data: { source: string; records: number; dropped: { line: number; column: string }[] };
  totalMs: number;
  dataMs: number;
}

export interface ModelQuality {
  trainAuc: number;
  testAuc: number;
  trainKs: number;
  testKs: number;
  /** ROC and KS curves on the held-out rows (testAuc and testKs are theirs) */
  testCurves: CurveSet;
}

/** One design's training, side by side with the others (report.training.designs). */
export interface TrainingDesign {
  keys: KeysDesign;
  ok: boolean;
  error?: WireError;
  epochs: number;
  secondsPerEpoch: number;
  /** bytes on the wire during the train phase, per epoch; key setup (with rotation keys or shares) apart */
  bytesPerEpoch: number;
  keySetupBytes: number;
  testAuc?: number;
  centralisedTestAuc?: number;
  maxWeightDifference?: number;
  ledger: Record<string, LedgerEntry>;
  keyCustody: DesignResult['keyCustody'];
}

export interface TrainingReport {
  /** the design this training ran under (the scoring jobs use its models) */
  keys: KeysDesign;
  /** the loss the label holder saw and stopped on: the exact log-loss (single holder) or the Taylor loss (threshold) */
  lossKind: 'log' | 'taylor';
  params: NonNullable<Scenario['train']>;
  trainRows: number;
  testRows: number;
  epochs: { epoch: number; loss: number; ms: number }[];
  secondsPerEpoch: number;
  plaintextSecondsPerEpoch: number;
  federated: ModelQuality;
  centralised: ModelQuality;
  bankOnly: ModelQuality;
  /** largest difference between a federated weight and the centralised one */
  maxWeightDifference: number;
  ledger: Record<string, LedgerEntry>;
  timings: DesignResult['timings'];
  bytesOnWire: number;
  bytesPerEpoch: number;
  /** train.dp: the noise, the privacy spent over the epochs run, and the same algorithm without noise (same clipping) */
  dp?: {
    epsilon: number;
    delta: number;
    clip: number;
    sigma: number;
    epochsRun: number;
    epsilonSpent: number;
    noiselessTestAuc: number;
    noiselessTrainAuc: number;
  };
  /** every design trained on the same data, this one first */
  designs?: TrainingDesign[];
}

export interface RunResult {
  /** every design in the run succeeded and verified */
  ok: boolean;
  runDir: string;
  report: Report;
}

/** The referee's account of a staged attack (jobs/attacks.ts). */
export interface AttackResult {
  kind: Attack['kind'];
  by: string;
  defences: 'on' | 'off';
  /** refused: stopped before the attacker learned anything; detected: caught, named; succeeded: it learned or changed what it wanted; failed: neither */
  outcome: 'refused' | 'detected' | 'succeeded' | 'failed';
  /** who noticed, with the error they raised */
  stoppedBy: { party: string; code: string; message: string }[];
  /** per victim: how many of its values the attacker read (victim had a record, error below 1e-3), of how many, and how exactly */
  learned: Record<string, { values: number; of: number; maxError: number }>;
  /** psi-probe: per holder, guessed ids the attacker learned it has, against the truth */
  membership?: Record<string, { guesses: number; learnedMembers: number; trueMembers: number }>;
  /** what happened to the result, in words */
  effect: string;
}
