/**
 * A node run as its process does it, from its files: read the config, load
 * its own data, join, take part in the job, write its outputs (summary.json;
 * scores.csv and decisions.csv for the recipient, reason-values.csv for a party that gave reasons; model.json after training) into its own
 * folder, owner-only. The bin wraps this with process arguments and signals;
 * the runner's in-process launcher calls it directly.
 */
import { join } from 'node:path';
import {
  attackOutputSchema,
  bounded,
  createLogger,
  type EventSink,
  type FaultPoint,
  FedError,
  filingSchema,
  type Logger,
  loadSeal,
  nodeConfigSchema,
  partyModelSchema,
  partySummarySchema,
  readJsonFile,
  type SealModule,
  writeDecisionsCsv,
  writeJsonFile,
  writePrivateFile,
  writeReasonValuesCsv,
  writeScoresCsv,
} from '@fedrisk/shared';
import { createNode, type NodeOutcome } from './party-node.ts';

export interface NodeMainOptions {
  configFile: string;
  coordinatorUrl: string;
  token: string;
  logFile?: string | undefined;
  /** without logFile: readable lines on a terminal instead of JSON */
  prettyLogs?: boolean | undefined;
  logLevel: string;
  /** a logger to use instead of making one from logFile/logLevel */
  logger?: Logger;
  /** a SEAL instance to use instead of loading one (participants in one process share theirs) */
  seal?: SealModule;
  onEvent: EventSink;
  /** leaves the job: the node tells the coordinator and still writes its summary */
  signal?: AbortSignal | undefined;
  /** privacy tests: every raw frame received is written here */
  captureDir?: string | undefined;
  /** a scenario's fault: the process entry kills itself; the in-process launcher drops the connection */
  crash?: ((point: FaultPoint) => void) | undefined;
}

function writeOutputs(outDir: string, outcome: NodeOutcome, filingFile: string | undefined): void {
  const { scores, decisions, reasonValues, trainedModel, attack, filing, ...summary } = outcome;
  if (filing && filingFile) writeJsonFile(filingFile, filingSchema, filing);
  if (attack) writeJsonFile(join(outDir, 'attack.json'), attackOutputSchema, attack);
  // a party's trained weights stay in its own folder; its next job reads them from there
  if (trainedModel) writeJsonFile(join(outDir, 'model.json'), partyModelSchema, trainedModel);
  if (scores) writeScoresCsv(join(outDir, 'scores.csv'), scores);
  // decisions next to the scores: codes and bands only; each party's own values for its notices stay in its folder
  if (decisions) writeDecisionsCsv(join(outDir, 'decisions.csv'), decisions);
  if (reasonValues) writeReasonValuesCsv(join(outDir, 'reason-values.csv'), reasonValues);
  // written last, so the peak memory includes the outputs (in-process, it is the whole process's)
  writeJsonFile(join(outDir, 'summary.json'), partySummarySchema, { ...summary, peakRssBytes: process.resourceUsage().maxRSS * 1024 });
}

/** Takes part in one job; resolves 0 when it succeeded, 1 when it failed. Rejects if it cannot join (bad data, refused). */
export async function runNodeMain(o: NodeMainOptions): Promise<number> {
  const config = readJsonFile(o.configFile, nodeConfigSchema, 'node config', 'CONFIG_ERR_INVALID');
  // a party that trusts a CA joins only over TLS: over ws:// its credential would cross the network in clear
  if (config.tls && !o.coordinatorUrl.startsWith('wss://'))
    throw new FedError('CONFIG_ERR_INVALID', `${config.party} trusts a CA (tls.ca), so it joins only over wss://, not ${bounded(o.coordinatorUrl, 200)}`);
  const logger = o.logger ?? createLogger({ name: config.party, level: o.logLevel, ...(o.logFile ? { file: o.logFile } : { pretty: o.prettyLogs === true }) });
  const captureDir = o.captureDir;
  let frameNo = 0;
  let crashed!: () => void;
  const crash = new Promise<'crashed'>((resolve) => {
    crashed = () => resolve('crashed');
  });
  const seal = o.seal ?? (await loadSeal());
  const node = createNode({
    config,
    url: o.coordinatorUrl,
    token: o.token,
    seal,
    logger,
    onEvent: o.onEvent,
    ...(captureDir ? { onRawFrame: (raw: Buffer) => writePrivateFile(join(captureDir, `to-${config.party}-${++frameNo}.bin`), raw) } : {}),
    onFaultPoint: (point) => {
      if (config.fault?.crashAt !== point) return;
      logger.warn({ point }, 'fault injection: crashing now');
      o.crash?.(point);
      node.crash();
      crashed();
    },
  });
  const stop = () => void node.close();
  o.signal?.addEventListener('abort', stop, { once: true });
  try {
    await node.start();
    const outcome = await Promise.race([node.done, crash]);
    // a crash writes nothing, as a killed process would not
    if (outcome === 'crashed') return 137;
    await node.close();
    writeOutputs(config.outDir, outcome, config.governance?.filingFile);
    return outcome.ok ? 0 : 1;
  } finally {
    o.signal?.removeEventListener('abort', stop);
    await node.close();
  }
}
