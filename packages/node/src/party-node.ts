/**
 * A party node: loads only its own CSV, holds its own model slice, and talks
 * only to the coordinator. It aligns records (an explicit query, or PSI),
 * sets up keys (the single holder's key pair, or its own threshold key
 * share), encrypts its partial scores, and helps decrypt only what it can
 * verify. No secret key or share ever leaves it.
 */
import { readFile } from 'node:fs/promises';
import {
  type Alignment,
  asFedError,
  type CkksContext,
  type CoordinatorMessage,
  checkCkksParams,
  ciphertextDigest,
  createCkksContext,
  createEphemeral,
  createPsiKey,
  createPsiPool,
  createThresholdParty,
  crsSeed,
  csvLines,
  decodeCoordinatorFrame,
  type EphemeralKey,
  type EpochRecord,
  type EventSink,
  encodeFrame,
  encryptVector,
  FedError,
  type Frame,
  generateKeyPair,
  type IdFormat,
  idProblem,
  type KeyPair,
  KnowledgeLedger,
  type Logger,
  loadPartyCsv,
  MAX_FRAME_BYTES,
  modelColumnsFor,
  type NodeConfig,
  type NodeMessage,
  nodeTableSchema,
  type Outgoing,
  openFrom,
  type PartyModel,
  type PartyTable,
  type PsiPool,
  partialLogits,
  partialLogitsFor,
  partyModelSchema,
  pointKeys,
  type SealModule,
  scoreOf,
  sealFor,
  securePermutation,
  signFields,
  splitCsvLine,
  sumCiphertexts,
  type ThresholdParty,
  type TrainingParams,
  thresholdNoise,
  trainingSchema,
  verifyFields,
  wireToError,
} from '@fedrisk/shared';
import { WebSocket } from 'ws';
import { createTrainer, type Trainer, type TrainerOptions } from './trainer.ts';

export type FaultPoint = 'after-join' | 'after-keys' | 'before-partial';

export interface NodeOptions {
  config: NodeConfig;
  /** coordinator URL, e.g. ws://127.0.0.1:4100 */
  url: string;
  token: string;
  seal: SealModule;
  logger: Logger;
  clock?: () => number;
  onEvent?: EventSink;
  signal?: AbortSignal;
  /** sees every raw frame this node receives (privacy tests capture them) */
  onRawFrame?: (raw: Buffer) => void;
  /** called at fault-injection points; the process entry uses it to crash on purpose */
  onFaultPoint?: (point: FaultPoint) => void;
}

export interface ScoredBusiness {
  id: string;
  logit: number;
  pd: number;
  score: number;
  grade: string;
}

/** Business ids this party learned during the job, by kind, counted from what it received. */
export interface IdsLearned {
  /** its own customers it learned are applicants (query, psi) */
  intersection: number;
  /** applicants it had no record of, whose ids it received anyway (query only) */
  othersApplicants: number;
  /** recipient only: per holder, the size of the overlap it learned */
  overlap: Record<string, number>;
}

export interface NodeOutcome {
  party: string;
  ok: boolean;
  /** after a training job: this party's own trained weights, and (the label holder) the loss per epoch */
  trainedModel?: PartyModel;
  epochs?: EpochRecord[];
  idsLearned: IdsLearned;
  error?: { code: string; message: string };
  rows: number;
  /** businesses asked for that this party has no record of (it sent its neutral value) */
  gaps: number;
  ledger: ReturnType<KnowledgeLedger['toJSON']>;
  timings: Record<string, number>;
  /** the recipient's decrypted scores, in query order */
  scores?: ScoredBusiness[];
}

export interface PartyNode {
  /** loads and checks this party's data, connects and joins; rejects if the data is bad or admission fails */
  start(): Promise<void>;
  /** settles when the job ends for this node; never rejects */
  readonly done: Promise<NodeOutcome>;
  close(): Promise<void>;
}

async function readModelFile(path: string): Promise<PartyModel> {
  try {
    return partyModelSchema.parse(JSON.parse(await readFile(path, 'utf8')));
  } catch (cause) {
    throw new FedError('CONFIG_ERR_INVALID', `cannot use the model file ${path}: ${(cause as Error).message}`, { cause });
  }
}

/** The label holder's own labels: business_id,label per line. */
async function readLabels(path: string): Promise<Map<string, number>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new FedError('DATA_ERR_FILE', `cannot read the labels ${path}: ${(cause as Error).message}`, { cause });
  }
  const out = new Map<string, number>();
  for (const { line, text: row } of csvLines(text).slice(1)) {
    const [id, label] = splitCsvLine(row) ?? [];
    if (!id || (label !== '0' && label !== '1')) throw new FedError('DATA_ERR_CSV', `${path} line ${line}: expected business_id,label with label 0 or 1`);
    out.set(id, Number(label));
  }
  return out;
}

async function readApplicants(path: string, format: IdFormat): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new FedError('DATA_ERR_APPLICANTS', `cannot read the applicant list ${path}: ${(cause as Error).message}`, { cause });
  }
  const ids: string[] = [];
  const seen = new Set<string>();
  text.split('\n').forEach((raw, i) => {
    const id = raw.trim();
    if (!id) return;
    const problem = idProblem(id, format);
    if (problem) throw new FedError('DATA_ERR_APPLICANTS', `${path} line ${i + 1}: "${id}" ${problem}`);
    if (seen.has(id)) throw new FedError('DATA_ERR_APPLICANTS', `${path} line ${i + 1}: "${id}" is listed twice`);
    seen.add(id);
    ids.push(id);
  });
  if (!ids.length) throw new FedError('DATA_ERR_APPLICANTS', `${path} lists no businesses to score`);
  return ids;
}

export function createNode(opts: NodeOptions): PartyNode {
  const { config } = opts;
  const me = config.party;
  const log = opts.logger.child({ module: 'node', party: me });
  const clock = opts.clock ?? (() => performance.now());
  const onEvent: EventSink = opts.onEvent ?? (() => {});
  const ledger = new KnowledgeLedger();
  const timings: Record<string, number> = {};
  const abort = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, abort.signal]) : abort.signal;
  let ws: WebSocket | undefined;
  let table: PartyTable | undefined;
  let applicants: string[] | undefined;
  let ckks: CkksContext | undefined;
  let keys: KeyPair | undefined;
  let jobId: string | undefined;
  let recipient: string | undefined;
  let publicKey: Uint8Array | undefined;
  let queryIds: string[] | undefined;
  let sentPartial = false;
  let sentQuery = false;
  let jobParties: { id: string; role: string }[] = [];
  let jobStart: Extract<CoordinatorMessage, { type: 'job.start' }> | undefined;
  let model = config.model;
  // training
  let training: TrainingParams | undefined;
  let trainer: Trainer | undefined;
  let galoisKeys: Uint8Array | undefined;
  let alignment: Alignment = 'query';
  const idsLearned: IdsLearned = { intersection: 0, othersApplicants: 0, overlap: {} };
  // private set intersection
  let psiPool: PsiPool | undefined;
  let psiKey: Buffer | undefined;
  let ownPerm: Uint32Array | undefined;
  let ownBlinded: Promise<Buffer> | undefined;
  let psiSlots = 0;
  const psiReplies = new Set<string>();
  // threshold design
  let tparty: ThresholdParty | undefined;
  let ephemeral: EphemeralKey | undefined;
  const keyShares = new Map<string, { blob: Uint8Array; x25519: string }>();
  const inputs = new Map<string, Uint8Array[]>();
  let verifiedSum: Uint8Array[] | undefined;
  /** digests of every request this party answered: it never answers the same one twice */
  const requested = new Set<string>();
  const sealedShares = new Map<string, Uint8Array[]>();
  let gaps = 0;
  let scores: ScoredBusiness[] | undefined;
  let finished = false;
  let closed = false;
  let resolveDone!: (o: NodeOutcome) => void;
  const done = new Promise<NodeOutcome>((resolve) => {
    resolveDone = resolve;
  });

  const timed = async <T>(name: string, fn: () => Promise<T> | T): Promise<T> => {
    const t = clock();
    try {
      return await fn();
    } finally {
      timings[name] = (timings[name] ?? 0) + (clock() - t);
    }
  };

  const finish = (error?: FedError): void => {
    if (finished) return;
    finished = true;
    if (error) log.error({ code: error.code, err: error.message }, 'job failed for this node');
    else log.info('job finished');
    keys?.delete();
    keys = undefined;
    tparty?.delete();
    tparty = undefined;
    void psiPool?.close();
    psiPool = undefined;
    ckks?.delete();
    ckks = undefined;
    resolveDone({
      party: me,
      ok: !error,
      ...(error ? { error: { code: error.code, message: error.message } } : {}),
      idsLearned,
      ...(trainer ? { trainedModel: trainer.model(), epochs: trainer.epochs } : {}),
      rows: table?.ids.length ?? 0,
      gaps,
      ledger: ledger.toJSON(),
      timings,
      ...(scores ? { scores } : {}),
    });
    ws?.close(1000, 'done');
  };

  const send = (msg: Outgoing<NodeMessage>, blobs: readonly Uint8Array[] = []): Promise<void> => {
    const socket = ws;
    if (!socket || socket.readyState !== WebSocket.OPEN) return Promise.reject(new FedError('JOB_ERR_PARTY_LOST', 'not connected to the coordinator'));
    const frame = encodeFrame<NodeMessage>(msg, blobs);
    return new Promise((resolve, reject) => {
      socket.send(frame, (err) => (err ? reject(new FedError('JOB_ERR_PARTY_LOST', `send failed: ${err.message}`, { cause: err })) : resolve()));
    });
  };

  /** Refuse the job: tell the coordinator why, then stop. */
  const refuse = async (err: FedError): Promise<void> => {
    log.error({ code: err.code, err: err.message }, 'refusing the job');
    try {
      await send(jobId ? { type: 'error', jobId, error: err.toWire() } : { type: 'error', error: err.toWire() });
    } catch {
      // the coordinator is gone; finishing is all that is left
    }
    finish(err);
  };

  const sendPartialIfReady = async (): Promise<void> => {
    if (sentPartial || !publicKey || !queryIds || !ckks || !table || !jobId) return;
    sentPartial = true;
    const ctx = ckks;
    const ids = queryIds;
    const pk = publicKey;
    const partial = await timed('partial', () => partialLogitsFor(table as PartyTable, model, ids));
    gaps = partial.gaps;
    log.info({ count: ids.length, gaps }, 'partial scores computed');
    const blobs = await timed('encrypt', () =>
      encryptVector(ctx, pk, partial.values, { signal, onProgress: (d, t) => onEvent({ event: 'progress', party: me, step: 'encrypt', done: d, total: t }) }),
    );
    opts.onFaultPoint?.('before-partial');
    const signature = tparty ? signFields(config.identityKey as string, ['scores.partial', jobId, me, String(ids.length), ...blobs]) : undefined;
    inputs.set(me, blobs);
    // while the other parties encrypt, draw the smudging noise this party's shares will need
    if (tparty && recipient !== me && ckks) {
      const noise = thresholdNoise(ckks.params.polyModulusDegree, jobParties.length, jobParties.length, ckks.params.scaleBits);
      const first = canonical(ckks, blobs[0] as Uint8Array, 'own input');
      void tparty
        .prepareNoise(first, blobs.length, noise.smudgingBits, signal)
        .catch((err) => log.warn({ err: (err as Error).message }, 'noise not drawn ahead'));
    }
    await send({ type: 'scores.partial', jobId, count: ids.length, chunks: blobs.length, ...(signature ? { signature } : {}) }, blobs);
    log.info({ chunks: blobs.length, bytes: blobs.reduce((s, b) => s + b.length, 0) }, 'encrypted partial scores sent');
  };

  const rosterKey = (party: string): string => {
    const entry = config.roster?.find((r) => r.party === party);
    if (!entry) throw new FedError('CRYPTO_ERR_SIGNATURE', `${party} is not in this party's roster of identity keys`);
    return entry.publicKey;
  };

  const sendQueryIfReady = async (): Promise<void> => {
    if (sentQuery || recipient !== me || !publicKey || !jobId || alignment !== 'query') return;
    if (!applicants) throw new FedError('DATA_ERR_APPLICANTS', `${me} is the result recipient but was given no applicant list`);
    sentQuery = true;
    queryIds = applicants;
    await send({ type: 'query.ids', jobId, ids: applicants });
    log.info({ count: applicants.length }, 'query sent');
  };

  const onJobStart = async (msg: Extract<CoordinatorMessage, { type: 'job.start' }>): Promise<void> => {
    jobId = msg.jobId;
    recipient = msg.recipient;
    jobParties = msg.parties;
    if (!msg.parties.some((p) => p.id === me && p.role === config.role)) {
      throw new FedError('JOB_ERR_MISMATCH', `job ${msg.jobId} does not list ${me} as a ${config.role}`);
    }
    checkCkksParams(opts.seal, msg.ckks);
    ckks = createCkksContext(opts.seal, msg.ckks);
    jobStart = msg;
    alignment = msg.alignment;
    if (msg.kind === 'training') return startTraining(msg);
    log.info({ jobId, keys: msg.keys, alignment, keyHolder: msg.keyHolder, slots: ckks.slots }, 'job started');
    if (alignment !== 'query') return startAlignment();
    await startKeys();
  };

  /**
   * PSI messages are signed with the identity key when the party has one, so a
   * coordinator cannot stand in for the bank (or a holder) and run PSI itself.
   */
  const psiSignature = (type: string, to: string, count: number, blobs: readonly Uint8Array[]): { signature?: string } =>
    config.identityKey ? { signature: signFields(config.identityKey, [type, jobId as string, me, to, String(count), ...blobs]) } : {};
  const checkPsiSignature = (type: string, from: string, count: number, blobs: readonly Uint8Array[], signature: string | undefined): void => {
    if (!config.roster) return;
    if (!signature || !verifyFields(rosterKey(from), [type, jobId as string, from, me, String(count), ...blobs], signature)) {
      throw new FedError('CRYPTO_ERR_SIGNATURE', `the ${type} said to come from ${from} is not signed by ${from}`);
    }
  };

  /** Training: the bank makes keys with rotation keys, names the training rows and waits for the holders. */
  const startTraining = async (msg: Extract<CoordinatorMessage, { type: 'job.start' }>): Promise<void> => {
    training = msg.training ?? trainingSchema.parse({});
    // training rows aligned by PSI first (the holders then learn only their own), or named outright
    if (msg.alignment !== 'query') return startAlignment();
    return startTrainingKeys(msg);
  };

  const startTrainingKeys = async (msg: Extract<CoordinatorMessage, { type: 'job.start' }>): Promise<void> => {
    if (recipient !== me) return startTrainerIfReady();
    if (!applicants || !config.labels) throw new FedError('DATA_ERR_APPLICANTS', `${me} trains the model but was given no training rows or labels`);
    const ctx = ckks as CkksContext;
    keys = await timed('keygen', () => generateKeyPair(ctx, { rotations: true }));
    publicKey = keys.publicKeyBytes;
    await send({ type: 'keys.public', jobId: msg.jobId }, [keys.publicKeyBytes]);
    await send({ type: 'keys.galois', jobId: msg.jobId }, [keys.galoisKeysBytes as Uint8Array]);
    queryIds = applicants;
    if (msg.alignment === 'query') await send({ type: 'query.ids', jobId: msg.jobId, ids: applicants });
    const labels = await readLabels(config.labels);
    const y = Float64Array.from(applicants, (id) => {
      const v = labels.get(id);
      if (v === undefined) throw new FedError('DATA_ERR_APPLICANTS', `${config.labels} has no label for training row ${id}`);
      return v;
    });
    trainer = makeTrainer({ labels: y, keys });
    await trainer.start();
  };

  const makeTrainer = (extra: Partial<TrainerOptions>): Trainer => {
    const ids = queryIds as string[];
    const { features, columns } = modelColumnsFor(table as PartyTable, model, ids);
    return createTrainer({
      me,
      holders: jobParties.filter((p) => p.id !== recipient).map((p) => p.id),
      isBank: recipient === me,
      jobId: jobId as string,
      ckks: ckks as CkksContext,
      params: training as TrainingParams,
      model,
      features,
      columns,
      rows: ids.length,
      send,
      onEvent,
      logger: log,
      onDecrypted: (n) => {
        ledger.decrypted += n;
      },
      ...extra,
    });
  };

  /** Holder: training starts once it has the public key, the rotation keys and the training rows. */
  const startTrainerIfReady = async (): Promise<void> => {
    if (trainer || !training || !publicKey || !galoisKeys || !queryIds || recipient === me) return;
    trainer = makeTrainer({ publicKey, galoisKeys });
    await trainer.start();
  };

  /** PSI: hash and blind this party's own set right away; the recipient sends its applicants to every holder. */
  const startAlignment = async (): Promise<void> => {
    const ownTable = table as PartyTable;
    psiPool = createPsiPool(2);
    psiKey = createPsiKey();
    const domain = `fedrisk/psi/v1/${jobId}`;
    if (recipient === me) {
      if (!applicants) throw new FedError('DATA_ERR_APPLICANTS', `${me} is the result recipient but was given no applicant list`);
      queryIds = applicants;
      const pool = psiPool;
      const key = psiKey;
      const blinded = await timed('psi', async () => pool.blind(await pool.hash(applicants as string[], domain), key));
      log.info({ count: applicants.length }, 'applicants blinded for PSI');
      onEvent({ event: 'progress', party: me, step: 'psi:blind', done: applicants.length, total: applicants.length });
      const holders = jobParties.filter((p) => p.id !== me);
      for (const h of holders) {
        const signature = psiSignature('psi.blinded', h.id, applicants.length, [blinded]);
        await send({ type: 'psi.blinded', jobId: jobId as string, to: h.id, count: applicants.length, ...signature }, [blinded]);
      }
      if (!holders.length) await send({ type: 'psi.done', jobId: jobId as string, count: applicants.length });
      return;
    }
    // a holder: its customers in a random order, so positions say nothing about its file
    const perm = securePermutation(ownTable.ids.length);
    ownPerm = perm;
    const pool = psiPool;
    const key = psiKey;
    ownBlinded = timed('psi', async () => {
      const out = await pool.blind(
        await pool.hash(
          Array.from(perm, (i) => ownTable.ids[i] as string),
          domain,
        ),
        key,
      );
      onEvent({ event: 'progress', party: me, step: 'psi:blind', done: perm.length, total: perm.length });
      return out;
    });
    ownBlinded.catch(() => {}); // awaited later; a failure is reported there
  };

  /** Holder: re-blind the recipient's points, and send them back with this party's own blinded set. */
  const onPsiBlinded = async (msg: Extract<CoordinatorMessage, { type: 'psi.blinded' }>, blobs: Uint8Array[]): Promise<void> => {
    if (!psiPool || !psiKey || !ownBlinded || msg.from !== recipient) throw new FedError('PROTO_ERR_UNEXPECTED', 'psi.blinded outside a PSI job');
    checkPsiSignature('psi.blinded', msg.from, msg.count, blobs, msg.signature);
    const pool = psiPool;
    const key = psiKey;
    psiSlots = msg.count;
    let again = await timed('psi', () => pool.blind(blobs[0] as Uint8Array, key));
    if (alignment === 'psi-cardinality') {
      // shuffled: the recipient can count matches but not tell which of its applicants matched
      const perm = securePermutation(msg.count);
      const shuffled = Buffer.alloc(again.length);
      for (let i = 0; i < perm.length; i++) again.copy(shuffled, i * 32, (perm[i] as number) * 32, (perm[i] as number) * 32 + 32);
      again = shuffled;
    }
    onEvent({ event: 'progress', party: me, step: 'psi:reblind', done: msg.count, total: msg.count });
    const own = await ownBlinded;
    const signature = psiSignature('psi.reply', msg.from, msg.count, [again, own]);
    await send({ type: 'psi.reply', jobId: msg.jobId, to: msg.from, count: msg.count, ownCount: own.length / 32, ...signature }, [again, own]);
    log.info({ applicants: msg.count, own: own.length / 32 }, 'PSI reply sent');
  };

  /** Recipient: find the intersection with one holder and tell it which of its customers sit in which slot. */
  const onPsiReply = async (msg: Extract<CoordinatorMessage, { type: 'psi.reply' }>, blobs: Uint8Array[]): Promise<void> => {
    if (recipient !== me || !psiPool || !psiKey || !jobParties.some((p) => p.id === msg.from && p.id !== me) || psiReplies.has(msg.from)) {
      throw new FedError('PROTO_ERR_UNEXPECTED', `unexpected psi.reply from ${msg.from}`);
    }
    const ids = queryIds as string[];
    if (msg.count !== ids.length) throw new FedError('CRYPTO_ERR_PSI', `${msg.from} answered for ${msg.count} applicants; there are ${ids.length}`);
    checkPsiSignature('psi.reply', msg.from, msg.count, blobs, msg.signature);
    psiReplies.add(msg.from);
    const pool = psiPool;
    const key = psiKey;
    const holderSet = await timed('psi', async () => pointKeys(await pool.blind(blobs[1] as Uint8Array, key)));
    const position = new Map(holderSet.map((k, j) => [k, j]));
    const doubled = pointKeys(blobs[0] as Uint8Array);
    const pairs: number[] = [];
    doubled.forEach((k, slot) => {
      const j = position.get(k);
      if (j !== undefined) pairs.push(j, slot);
    });
    idsLearned.overlap[msg.from] = pairs.length / 2;
    idsLearned.intersection += alignment === 'psi' ? pairs.length / 2 : 0;
    log.info({ holder: msg.from, overlap: pairs.length / 2 }, 'PSI intersection found');
    onEvent({ event: 'progress', party: me, step: 'psi:match', done: holderSet.length, total: holderSet.length });
    if (alignment === 'psi') {
      const blob = new Uint8Array(Uint32Array.from(pairs).buffer);
      const signature = psiSignature('psi.assign', msg.from, pairs.length / 2, [blob]);
      await send({ type: 'psi.assign', jobId: msg.jobId, to: msg.from, pairs: pairs.length / 2, ...signature }, [blob]);
    }
    if (psiReplies.size === jobParties.length - 1) await send({ type: 'psi.done', jobId: msg.jobId, count: ids.length });
  };

  /** Holder: place its customers that are applicants in their slots; every other slot stays neutral. */
  const onPsiAssign = (msg: Extract<CoordinatorMessage, { type: 'psi.assign' }>, blobs: Uint8Array[]): void => {
    if (!ownPerm || msg.from !== recipient) throw new FedError('PROTO_ERR_UNEXPECTED', 'psi.assign outside a PSI job');
    checkPsiSignature('psi.assign', msg.from, msg.pairs, blobs, msg.signature);
    const blob = blobs[0] as Uint8Array;
    const pairs = new Uint32Array(blob.slice().buffer);
    const ids = new Array<string>(psiSlots).fill('');
    const own = (table as PartyTable).ids;
    for (let k = 0; k < pairs.length; k += 2) {
      const j = pairs[k] as number;
      const slot = pairs[k + 1] as number;
      if (j >= ownPerm.length || slot >= psiSlots) throw new FedError('CRYPTO_ERR_PSI', `slot assignment ${k / 2} is out of range`);
      ids[slot] = own[ownPerm[j] as number] as string;
    }
    queryIds = ids;
    idsLearned.intersection = pairs.length / 2;
    log.info({ slots: psiSlots, mine: pairs.length / 2 }, 'aligned by PSI');
  };

  const startKeys = async (): Promise<void> => {
    const msg = jobStart as Extract<CoordinatorMessage, { type: 'job.start' }>;
    if (msg.kind === 'training') return startTrainingKeys(msg);
    const jobId = msg.jobId;
    if (msg.keys === 'threshold') {
      if (!config.identityKey || !config.roster)
        throw new FedError('CONFIG_ERR_INVALID', `${me} has no identity key or roster; the threshold design needs both`);
      for (const p of msg.parties) {
        const entry = config.roster.find((r) => r.party === p.id);
        if (!entry || entry.role !== p.role)
          throw new FedError('CRYPTO_ERR_SIGNATURE', `the job lists ${p.id} as a ${p.role}, which this party's roster does not`);
      }
      const ctx = ckks as CkksContext;
      tparty = await timed('keygen', () => createThresholdParty(ctx, crsSeed(jobId)));
      ephemeral = createEphemeral();
      keyShares.set(me, { blob: tparty.shareBytes, x25519: ephemeral.publicKey });
      const signature = signFields(config.identityKey, ['keys.share', jobId, me, ephemeral.publicKey, tparty.shareBytes]);
      await send({ type: 'keys.share', jobId, x25519: ephemeral.publicKey, signature }, [tparty.shareBytes]);
      opts.onFaultPoint?.('after-keys');
      return onKeyShare();
    }
    if ((msg.keyHolder ?? msg.recipient) === me) {
      keys = await timed('keygen', () => generateKeyPair(ckks as CkksContext));
      publicKey = keys.publicKeyBytes;
      await send({ type: 'keys.public', jobId }, [keys.publicKeyBytes]);
      opts.onFaultPoint?.('after-keys');
    }
    await sendQueryIfReady();
    await sendPartialIfReady();
  };

  /** Threshold: once every party's signed key share is in, form the collective key. */
  const onKeyShare = async (): Promise<void> => {
    if (!tparty || publicKey || keyShares.size < jobParties.length) return;
    const party = tparty;
    publicKey = await timed('keygen', () => party.collectivePublicKey(jobParties.map((p) => (keyShares.get(p.id) as { blob: Uint8Array }).blob)));
    log.info({ parties: jobParties.length }, 'collective public key formed from every share');
    await sendQueryIfReady();
    await sendPartialIfReady();
  };

  const canonical = (ctx: CkksContext, blob: Uint8Array, what: string): Uint8Array => {
    if (blob[5] === 0) return blob; // already uncompressed: SEAL's serialization is deterministic
    const ct = ctx.loadCiphertext(blob, what);
    try {
      return ct.saveToArray(ctx.seal.ComprModeType.none) as Uint8Array;
    } finally {
      ct.delete();
    }
  };

  /**
   * Threshold: issue a decryption share only for the job's agreed output, the
   * sum of every party's signed input (this party's own included), and only once.
   */
  const onDecryptRequest = async (msg: Extract<CoordinatorMessage, { type: 'decrypt.request' }>): Promise<void> => {
    const ctx = ckks as CkksContext;
    const party = tparty as ThresholdParty;
    try {
      const missing = jobParties.filter((p) => !inputs.has(p.id)).map((p) => p.id);
      if (missing.length) throw new FedError('CRYPTO_ERR_SHARE_REFUSED', `cannot check the request: no signed input from ${missing.join(', ')}`);
      // this party decrypts only the sum it computes itself from every signed input, its own included
      const own = await timed('verify', async () => {
        const sum = await sumCiphertexts(
          ctx,
          jobParties.map((p) => inputs.get(p.id) as Uint8Array[]),
          { signal },
        );
        return sum.map((b) => canonical(ctx, b, 'own sum'));
      });
      const ownDigests = own.map((b) => ciphertextDigest(ctx, b));
      const same = ownDigests.length === msg.digests.length && ownDigests.every((d, i) => d === msg.digests[i]);
      if (!same) {
        throw new FedError(
          'CRYPTO_ERR_SHARE_REFUSED',
          `the coordinator asked ${me} to decrypt ciphertexts that are not the sum of the job's ${jobParties.length} signed inputs`,
        );
      }
      const digest = ownDigests.join();
      if (requested.has(digest))
        throw new FedError('CRYPTO_ERR_SHARE_REPLAY', `${me} already answered a request for these ciphertexts; it never issues a second share`);
      requested.add(digest);
      await send({ type: 'decrypt.verdict', jobId: msg.jobId, ok: true });
      if (recipient === me) {
        verifiedSum = own;
        return combineIfReady();
      }
      const noise = thresholdNoise(ctx.params.polyModulusDegree, jobParties.length, jobParties.length, ctx.params.scaleBits);
      const peer = keyShares.get(recipient as string) as { x25519: string };
      const sealed = await timed('share', async () => {
        const out: Uint8Array[] = [];
        for (const [c, b] of own.entries()) {
          const share = party.decryptionShare(b, noise.smudgingBits);
          out.push(sealFor(ephemeral as EphemeralKey, peer.x25519, msg.jobId, `${msg.jobId}|${me}|${recipient}|${c}`, share));
          onEvent({ event: 'progress', party: me, step: 'share', done: c + 1, total: own.length });
          await new Promise((r) => setImmediate(r));
        }
        return out;
      });
      await send({ type: 'decrypt.share', jobId: msg.jobId, to: recipient as string, chunks: sealed.length }, sealed);
      log.info({ chunks: sealed.length, smudgingBits: noise.smudgingBits }, 'decryption shares sent, sealed for the recipient');
    } catch (err) {
      const fe = asFedError(err, 'CRYPTO_ERR_SHARE_REFUSED');
      log.error({ code: fe.code, err: fe.message }, 'refusing to decrypt');
      await send({ type: 'decrypt.verdict', jobId: msg.jobId, ok: false, error: fe.toWire() });
    }
  };

  const finishScores = async (logits: Float64Array): Promise<void> => {
    ledger.decrypted += logits.length;
    const card = config.scorecard as NonNullable<NodeConfig['scorecard']>;
    const ids = queryIds as string[];
    scores = await timed('scorecard', () => Array.from(logits, (logit, i) => ({ id: ids[i] as string, logit, ...scoreOf(logit, card) })));
    log.info({ scored: scores.length }, 'joint scores decrypted');
    await send({ type: 'result.done', jobId: jobId as string, scored: scores.length });
  };

  /** Threshold recipient: decrypt once every other party's sealed shares are in. */
  const combineIfReady = async (): Promise<void> => {
    if (!verifiedSum || sealedShares.size < jobParties.length - 1 || scores) return;
    const ctx = ckks as CkksContext;
    const party = tparty as ThresholdParty;
    const sum = verifiedSum;
    const count = (queryIds as string[]).length;
    const others = jobParties.filter((p) => p.id !== me);
    const logits = await timed('decrypt', async () => {
      const out = new Float64Array(count);
      for (const [c, ct] of sum.entries()) {
        const shares = others.map((p) => {
          const sealed = (sealedShares.get(p.id) as Uint8Array[])[c] as Uint8Array;
          return openFrom(
            ephemeral as EphemeralKey,
            (keyShares.get(p.id) as { x25519: string }).x25519,
            jobId as string,
            `${jobId}|${p.id}|${me}|${c}`,
            sealed,
          );
        });
        const values = party.decryptWithShares(ct, shares);
        out.set(values.subarray(0, Math.min(ctx.slots, count - c * ctx.slots)), c * ctx.slots);
        onEvent({ event: 'progress', party: me, step: 'decrypt', done: c + 1, total: sum.length });
        await new Promise((r) => setImmediate(r));
      }
      return out;
    });
    await finishScores(logits);
  };

  const onSum = async (msg: Extract<CoordinatorMessage, { type: 'scores.sum' }>, blobs: Uint8Array[]): Promise<void> => {
    if (recipient !== me || !keys || !queryIds || !config.scorecard)
      throw new FedError('PROTO_ERR_UNEXPECTED', 'scores.sum sent to a party that is not the recipient');
    if (msg.count !== queryIds.length) throw new FedError('JOB_ERR_MISMATCH', `the sum holds ${msg.count} scores, the query had ${queryIds.length}`);
    const logits = await timed('decrypt', () =>
      (keys as KeyPair).decrypt(blobs, msg.count, {
        signal,
        onProgress: (d, t) => onEvent({ event: 'progress', party: me, step: 'decrypt', done: d, total: t }),
      }),
    );
    await finishScores(logits);
  };

  const handle = async ({ msg, blobs }: Frame<CoordinatorMessage>): Promise<void> => {
    switch (msg.type) {
      case 'welcome':
        log.info('admitted');
        opts.onFaultPoint?.('after-join');
        return;
      case 'job.start':
        return onJobStart(msg);
      case 'keys.public':
        publicKey = blobs[0];
        log.info({ from: msg.from, bytes: publicKey?.length }, 'public key received');
        opts.onFaultPoint?.('after-keys');
        if (training) return startTrainerIfReady();
        return sendPartialIfReady();
      case 'keys.galois':
        galoisKeys = blobs[0];
        log.info({ from: msg.from, bytes: galoisKeys?.length }, 'rotation keys received');
        return startTrainerIfReady();
      case 'train.sum':
        return (trainer as Trainer).onSum(msg.epoch, msg.batch, blobs[0] as Uint8Array);
      case 'train.residual':
        return (trainer as Trainer).onResidual(msg.epoch, msg.batch, blobs[0] as Uint8Array);
      case 'train.gradient':
        return (trainer as Trainer).onGradient(msg.from, msg.epoch, msg.batch, blobs);
      case 'train.unmask':
        return (trainer as Trainer).onUnmask(msg.epoch, msg.batch, msg.values);
      case 'train.epoch':
        log.info({ epoch: msg.epoch, loss: msg.loss, stop: msg.stop }, 'epoch done');
        return (trainer as Trainer).onEpoch(msg.epoch, msg.stop);
      case 'keys.share': {
        const blob = blobs[0] as Uint8Array;
        if (!verifyFields(rosterKey(msg.from), ['keys.share', msg.jobId, msg.from, msg.x25519, blob], msg.signature)) {
          throw new FedError('CRYPTO_ERR_SIGNATURE', `the key share said to come from ${msg.from} is not signed by ${msg.from}`);
        }
        keyShares.set(msg.from, { blob, x25519: msg.x25519 });
        log.info({ from: msg.from, have: keyShares.size }, 'signed public-key share received');
        return onKeyShare();
      }
      case 'scores.input': {
        if (!verifyFields(rosterKey(msg.from), ['scores.partial', msg.jobId, msg.from, String(msg.count), ...blobs], msg.signature)) {
          throw new FedError('CRYPTO_ERR_SIGNATURE', `the input said to come from ${msg.from} is not signed by ${msg.from}`);
        }
        inputs.set(msg.from, blobs);
        return;
      }
      case 'decrypt.request':
        if (!tparty) throw new FedError('PROTO_ERR_UNEXPECTED', 'decrypt.request outside a threshold job');
        return onDecryptRequest(msg);
      case 'decrypt.share':
        if (recipient !== me || !tparty) throw new FedError('PROTO_ERR_UNEXPECTED', 'decrypt.share sent to a party that is not the recipient');
        sealedShares.set(msg.from, blobs);
        return combineIfReady();
      case 'query.ids': {
        const own = new Set(table?.ids ?? []);
        const mine = msg.ids.filter((id) => own.has(id)).length;
        idsLearned.intersection += mine;
        idsLearned.othersApplicants += msg.ids.length - mine;
        queryIds = msg.ids;
        log.info({ from: msg.from, count: msg.ids.length }, 'query received');
        if (training) return startTrainerIfReady();
        return sendPartialIfReady();
      }
      case 'psi.blinded':
        return onPsiBlinded(msg, blobs);
      case 'psi.reply':
        return onPsiReply(msg, blobs);
      case 'psi.assign':
        return onPsiAssign(msg, blobs);
      case 'align.done':
        if (alignment === 'query') throw new FedError('PROTO_ERR_UNEXPECTED', 'align.done in a job without PSI');
        if (msg.count !== (queryIds?.length ?? 0))
          throw new FedError('JOB_ERR_MISMATCH', `alignment has ${msg.count} slots; this party holds ${queryIds?.length ?? 0}`);
        return startKeys();
      case 'scores.sum':
        return onSum(msg, blobs);
      case 'job.end':
        return finish(msg.ok ? undefined : msg.error ? wireToError(msg.error) : new FedError('JOB_ERR_PARTY_FAILED', 'job failed'));
      case 'error': {
        const err = wireToError(msg.error);
        log.warn({ code: err.code, err: err.message }, 'coordinator reported an error');
        if (err.code.startsWith('AUTH_ERR')) finish(err);
        // a message of ours was rejected mid-job: the job cannot go on, so say so instead of waiting for a timeout
        else if (jobId && err.code.startsWith('PROTO_ERR'))
          await refuse(new FedError(err.code, `the coordinator rejected a message from ${me}: ${err.message}`));
        return;
      }
    }
  };

  let admitted!: { resolve: () => void; reject: (e: unknown) => void };
  const admission = new Promise<void>((resolve, reject) => {
    admitted = { resolve, reject };
  });

  return {
    done,
    start: async () => {
      table = await timed('load', () => loadPartyCsv(config.data, nodeTableSchema(config)));
      // compute once up front so a model naming a missing column fails before joining
      if (config.modelFile) model = await readModelFile(config.modelFile);
      partialLogits(table, model);
      if (config.applicants) applicants = await readApplicants(config.applicants, nodeTableSchema(config).idFormat);
      log.info({ rows: table.ids.length, applicants: applicants?.length }, 'own data loaded');
      onEvent({ event: 'progress', party: me, step: 'load', done: table.ids.length, total: table.ids.length });
      const socket = new WebSocket(opts.url, { maxPayload: MAX_FRAME_BYTES });
      ws = socket;
      let chain = Promise.resolve();
      socket.on('error', (err) => {
        log.warn({ err: err.message }, 'socket error');
        admitted.reject(new FedError('JOB_ERR_PARTY_LOST', `cannot reach the coordinator at ${opts.url}: ${err.message}`, { cause: err }));
      });
      socket.on('open', () => {
        void send({ type: 'hello', party: me, role: config.role, token: opts.token }).catch((e) => admitted.reject(e));
      });
      socket.on('message', (raw: Buffer, isBinary: boolean) => {
        chain = chain.then(async () => {
          opts.onRawFrame?.(raw);
          let frame: Frame<CoordinatorMessage>;
          try {
            frame = decodeCoordinatorFrame(isBinary ? raw : raw.toString('utf8'));
          } catch (err) {
            const fe = asFedError(err, 'PROTO_ERR_MALFORMED');
            log.warn({ code: fe.code, err: fe.message }, 'bad frame from the coordinator');
            return;
          }
          ledger.record(frame.msg, frame.blobs);
          if (frame.msg.type === 'welcome') admitted.resolve();
          if (frame.msg.type === 'error' && frame.msg.error.code.startsWith('AUTH_ERR')) admitted.reject(wireToError(frame.msg.error));
          if (finished) return;
          try {
            await handle(frame);
          } catch (err) {
            await refuse(asFedError(err, 'CRYPTO_ERR_SEAL'));
          }
        });
      });
      socket.on('close', () => {
        admitted.reject(new FedError('JOB_ERR_PARTY_LOST', 'the coordinator closed the connection before admitting this party'));
        if (!finished) finish(new FedError('JOB_ERR_PARTY_LOST', 'lost the connection to the coordinator before the job ended'));
      });
      signal.addEventListener('abort', () => finish(new FedError('JOB_ERR_ABORTED', 'node aborted')), { once: true });
      await admission;
    },
    close: async () => {
      if (closed) return;
      closed = true;
      abort.abort();
      finish(new FedError('JOB_ERR_ABORTED', 'node closed'));
      if (ws && ws.readyState !== WebSocket.CLOSED) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(() => {
            ws?.terminate();
            resolve();
          }, 2000);
          ws?.once('close', () => {
            clearTimeout(t);
            resolve();
          });
        });
      }
    },
  };
}
