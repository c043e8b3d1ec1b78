/**
 * Files one process writes and another reads: one zod schema each, used by
 * the writer and by the reader, and private to their owner (0600 files in
 * 0700 folders: they hold data, labels, scores or keys).
 */
import { chmodSync, closeSync, fchmodSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { csvCell, csvRow, isPlainBytes, numberText, parseCsv, textInterner } from '../data/csv.ts';
import { IdIndex } from '../data/id-index.ts';
import { idProblem } from '../data/table.ts';
import { usccValid } from '../data/uscc.ts';
import { partyGovernanceSchema } from '../governance/config.ts';
import { type ErrorCode, FedError, formatZodIssues } from '../util/errors.ts';
import { type IdFormat, jobIdSchema, partyIdSchema, phaseNameSchema } from '../wire/ids.ts';
import { KNOWLEDGE_KINDS } from '../wire/knowledge.ts';
import { wireErrorSchema } from '../wire/messages/fields.ts';

/** Makes a folder (and its parents) readable by its owner only. */
export function mkdirPrivate(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}

/** Writes a file readable by its owner only, making its folder if needed. */
export function writePrivateFile(path: string, text: string | Uint8Array): void {
  mkdirPrivate(dirname(path));
  writeFileSync(path, text, { mode: 0o600 });
  // the mode above applies only to a new file: an existing one keeps its own
  chmodSync(path, 0o600);
}

export function writeJsonFile<T>(path: string, schema: z.ZodType<T>, value: T): void {
  writePrivateFile(path, `${JSON.stringify(schema.parse(value), null, 2)}\n`);
}

/** Reads and checks a JSON file another process wrote; a problem is a coded error naming the file and field. */
export function readJsonFile<T>(path: string, schema: z.ZodType<T>, what: string, code: ErrorCode = 'RUN_ERR_PROCESS'): T {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new FedError(code, `cannot read ${what} ${path}: ${(cause as Error).message}`, { cause });
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new FedError(code, `${what} ${path} is invalid: ${formatZodIssues(parsed.error)}`);
  return parsed.data;
}

const knowledgeCountsSchema = z.object(
  Object.fromEntries(KNOWLEDGE_KINDS.map((k) => [k, z.number().int().min(0)])) as Record<(typeof KNOWLEDGE_KINDS)[number], z.ZodNumber>,
);
const ledgerEntrySchema = z
  .object({ received: knowledgeCountsSchema, decrypted: z.number().int().min(0), decryptedAs: z.record(z.string(), z.number().int().min(0)).optional() })
  .strict();
const linkSchema = z.object({ from: z.string(), to: z.string(), messages: z.number().int().min(0), bytes: z.number().int().min(0) }).strict();
const refusalSchema = z.object({ party: z.string(), code: z.string(), message: z.string() }).strict();
const epochSchema = z.object({ epoch: z.number().int().min(1), loss: z.number(), ms: z.number().min(0) }).strict();

/** The coordinator's record of one job (job-record.json). */
export const jobRecordSchema = z
  .object({
    jobId: jobIdSchema,
    ok: z.boolean(),
    error: wireErrorSchema.optional(),
    /** each phase's time and the bytes that crossed the coordinator's sockets during it */
    phases: z.array(z.object({ name: phaseNameSchema, ms: z.number().min(0), bytes: z.number().int().min(0).optional() }).strict()),
    links: z.array(linkSchema),
    /** what the coordinator itself received, by kind */
    ledger: ledgerEntrySchema,
    /** key material the coordinator handled during the job, as the job recorded it */
    keyMaterial: z.array(z.string()),
    refusals: z.array(refusalSchema),
    /** a staged attack: what the coordinator read, per party, one value per slot (for the referee to measure) */
    learned: z.record(z.string(), z.array(z.number())).optional(),
  })
  .strict();
export type JobRecord = z.infer<typeof jobRecordSchema>;

/** Business ids a party learned during the job, by kind, counted from what it received. */
const idsLearnedSchema = z
  .object({
    /** its own customers it learned are applicants (query, psi) */
    intersection: z.number().int().min(0),
    /** applicants it had no record of, whose ids it received anyway (query only) */
    othersApplicants: z.number().int().min(0),
    /** recipient only: per holder, the size of the overlap it learned */
    overlap: z.record(z.string(), z.number().int().min(0)),
  })
  .strict();
export type IdsLearned = z.infer<typeof idsLearnedSchema>;

/** A party's own account of a job (out/summary.json): counts and timings, never a private value. */
export const partySummarySchema = z
  .object({
    party: partyIdSchema,
    ok: z.boolean(),
    error: wireErrorSchema.optional(),
    idsLearned: idsLearnedSchema,
    /** rows of its own table */
    rows: z.number().int().min(0),
    /** slots this party has no record for (it sent its neutral value) */
    gaps: z.number().int().min(0),
    ledger: ledgerEntrySchema,
    timings: z.record(z.string(), z.number()),
    /** key material this party created or received, as it recorded it */
    keyMaterial: z.array(z.string()),
    /** training, label holder: the loss per epoch */
    epochs: z.array(epochSchema).optional(),
    /** recipient: per holder, what the reasons step received: applicants answered for, codes, bands (never a value) */
    reasonsReceived: z
      .record(z.string(), z.object({ applicants: z.number().int().min(0), codes: z.number().int().min(0), bands: z.number().int().min(0) }).strict())
      .optional(),
    /** recipient: the reasons refinement, when on: contested pairs compared under encryption, left unresolved, its time and the bytes through the recipient */
    reasonsRefined: z
      .object({ pairs: z.number().int().min(0), unresolved: z.number().int().min(0), ms: z.number().min(0), bytes: z.number().int().min(0) })
      .strict()
      .optional(),
    /** its audit trail and its verdicts on the recipient's authorisations */
    governance: partyGovernanceSchema.optional(),
    /** the process's peak resident memory, for the bench */
    peakRssBytes: z.number().int().min(0).optional(),
  })
  .strict();
export type PartySummary = z.infer<typeof partySummarySchema>;

/** What a party that staged an attack learned (its out/attack.json): for the referee to measure, never sent. */
export const attackOutputSchema = z
  .object({
    /** per victim, one value per slot: the victim's partial logits as the attacker read them */
    learned: z.record(z.string(), z.array(z.number())),
    /** psi-probe: per holder, the guessed ids the attacker learned the holder has */
    membership: z.record(z.string(), z.array(z.string())),
    /** psi-probe: the guessed ids */
    probes: z.array(z.string()),
  })
  .strict();
export type AttackOutput = z.infer<typeof attackOutputSchema>;

/**
 * The recipient's scores as its node holds and writes them: columns in slot order (at a million applicants an
 * object per business cost about 70 MB more).
 */
export interface ScoreTable {
  ids: readonly string[];
  logits: Float64Array;
  pds: Float64Array;
  scores: Float64Array;
  grades: readonly string[];
}

const SCORES_HEADER = ['business_id', 'logit', 'pd', 'score', 'grade'];

/** Row `i`'s line of scores.csv: numbers never need quotes, only the id and the grade are checked. */
const scoreLine = (t: ScoreTable, i: number) =>
  `${csvCell(t.ids[i] as string)},${numberText(t.logits[i] as number)},${numberText(t.pds[i] as number)},${(t.scores[i] as number).toFixed(2)},${csvCell(t.grades[i] as string)}`;

export function scoresCsv(t: ScoreTable): string {
  const lines = [SCORES_HEADER.join(',')];
  for (let i = 0; i < t.ids.length; i++) lines.push(scoreLine(t, i));
  return `${lines.join('\n')}\n`;
}

/** Writes scores.csv (owner-only) through writeCsvBlocks: a million rows never become one string. */
export function writeScoresCsv(path: string, t: ScoreTable): void {
  checkColumns('scores', t.ids.length, [t.logits, t.pds, t.scores, t.grades]);
  writeCsvBlocks(path, SCORES_HEADER, t.ids.length, (i) => scoreLine(t, i));
}

/** Columns about to be written row by row must each hold a value per id: a short one would shift the file. */
export function checkColumns(what: string, ids: number, columns: readonly { length: number }[]): void {
  if (columns.some((c) => c.length !== ids))
    throw new FedError('JOB_ERR_INTERNAL', `the ${what} to write have ${ids} ids but columns of ${columns.map((c) => c.length).join(', ')}`);
}

/**
 * An owner-only CSV file of `count` rows, each line encoded into one reused 1 MiB buffer that is written whole
 * when full (writeFileSync on the descriptor loops until it is out). Joining blocks of lines made a string of
 * megabytes per block, which V8 allocates outside its young generation and keeps until a full collection.
 */
export function writeCsvBlocks(path: string, header: readonly string[], count: number, lineAt: (row: number) => string): void {
  mkdirPrivate(dirname(path));
  const fd = openSync(path, 'w', 0o600);
  const buf = Buffer.allocUnsafe(1 << 20);
  let used = 0;
  const flush = () => {
    if (used) writeFileSync(fd, buf.subarray(0, used));
    used = 0;
  };
  const put = (line: string) => {
    // a UTF-16 code unit takes at most 3 bytes of UTF-8: with that much room, write never truncates
    const most = 3 * line.length + 1;
    if (used + most > buf.length) flush();
    if (most > buf.length) writeFileSync(fd, `${line}\n`);
    else {
      used += buf.write(line, used);
      buf[used++] = 0x0a;
    }
  };
  try {
    // the mode above applies only to a new file: an existing one is made owner-only too
    fchmodSync(fd, 0o600);
    put(header.join(','));
    for (let i = 0; i < count; i++) put(lineAt(i));
    flush();
  } finally {
    closeSync(fd);
  }
}

/** The recipient's scores read back from scores.csv: the same columns, looked up by id instead of listed in slot order. */
export interface ScoreColumns extends Omit<ScoreTable, 'ids'> {
  index: IdIndex;
}

/**
 * The recipient's scores as columns, read straight from a plain scores file (a million rows in well under a second); any
 * other file goes through strictScoreColumns, with its checks and messages. `known`: the ids the caller expects, in order
 * (the applicants): a row with the expected id keeps the caller's string instead of one more copy of it.
 */
export async function readScoreLogits(path: string, known?: readonly string[]): Promise<ScoreColumns> {
  const bytes = await readBytes(path, 'scores file');
  return plainScoreLogits(bytes, known) ?? strictScoreColumns(bytes.toString('utf8'), path);
}

/** Any scores file, through the CSV parser: every value must be a finite number, every id present once. */
function strictScoreColumns(text: string, path: string): ScoreColumns {
  const rows = parseCsv(text, path);
  expectHeader(rows[0]?.cells, SCORES_HEADER, path);
  const n = rows.length - 1;
  const index = new IdIndex(n);
  const t = { logits: new Float64Array(n), pds: new Float64Array(n), scores: new Float64Array(n), grades: new Array<string>(n), index };
  for (let r = 0; r < n; r++) {
    const { line, cells } = rows[r + 1] as (typeof rows)[number];
    const [id, logit, pd, score, grade] = cells;
    const nums = [logit, pd, score].map(Number);
    if (!id || cells.length !== SCORES_HEADER.length || !nums.every(Number.isFinite) || !index.add(id))
      throw new FedError('JOB_ERR_MISMATCH', `${path} line ${line}: expected ${SCORES_HEADER.join(',')} with finite numbers, each id once`);
    [t.logits[r], t.pds[r], t.scores[r]] = nums as [number, number, number];
    t.grades[r] = grade as string;
  }
  return t;
}

const SCORES_HEAD = Buffer.from(`${SCORES_HEADER.join(',')}\n`);

/**
 * A plain scores file straight from its bytes: each line decoded on its own,
 * each id a string of its own (a slice of the file's text would keep the
 * whole text alive with the ids: 65 MB at a million rows).
 */
function plainScoreLogits(buf: Buffer, known: readonly string[] | undefined): ScoreColumns | undefined {
  if (!buf.subarray(0, SCORES_HEAD.length).equals(SCORES_HEAD) || !isPlainBytes(buf)) return undefined;
  const logits: number[] = [];
  const pds: number[] = [];
  const scores: number[] = [];
  const grades: string[] = [];
  // each grade's text once, not once per row
  const own = textInterner();
  const index = new IdIndex();
  for (let pos = SCORES_HEAD.length; pos < buf.length; ) {
    let eol = buf.indexOf(10, pos);
    if (eol < 0) eol = buf.length;
    const cells = buf.toString('utf8', pos, eol).split(',');
    const [first, logit, pd, score, grade] = cells;
    const nums = [Number(logit), Number(pd), Number(score)];
    if (!first || cells.length !== SCORES_HEADER.length || !nums.every(Number.isFinite) || logit === '' || pd === '' || score === '') return undefined;
    const id = buf.toString('utf8', pos, buf.indexOf(44, pos));
    const same = known?.[logits.length];
    if (!index.add(same === id ? same : id)) return undefined;
    logits.push(nums[0] as number);
    pds.push(nums[1] as number);
    scores.push(nums[2] as number);
    grades.push(own(grade as string));
    pos = eol + 1;
  }
  return { logits: Float64Array.from(logits), pds: Float64Array.from(pds), scores: Float64Array.from(scores), grades, index };
}

const LABELS_HEADER = ['business_id', 'label'];

export function labelsCsv(ids: readonly string[], label: (id: string) => number): string {
  return `${[LABELS_HEADER.join(','), ...ids.map((id) => csvRow([id, label(id)]))].join('\n')}\n`;
}

/** A label holder's own labels: business_id,label with label 0 or 1. */
export async function readLabelsCsv(path: string): Promise<Map<string, number>> {
  const rows = parseCsv(await readText(path, 'labels', 'DATA_ERR_FILE'), path);
  expectHeader(rows[0]?.cells, LABELS_HEADER, path);
  const out = new Map<string, number>();
  for (const { line, cells } of rows.slice(1)) {
    const [id, label] = cells;
    if (!id || cells.length !== 2 || (label !== '0' && label !== '1'))
      throw new FedError('DATA_ERR_CSV', `${path} line ${line}: expected business_id,label with label 0 or 1`);
    out.set(id, Number(label));
  }
  return out;
}

export function applicantsText(ids: readonly string[]): string {
  return `${ids.join('\n')}\n`;
}

/** The recipient's applicant list: one record id per line, each once, at least one. */
export async function readApplicants(path: string, format: IdFormat, max = 1_000_000): Promise<string[]> {
  const text = await readText(path, 'applicant list', 'DATA_ERR_APPLICANTS');
  const ids: string[] = [];
  const seen = new IdIndex();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const id = (lines[i] as string).trim();
    if (!id) continue;
    const shown = id.length > 40 ? `${id.slice(0, 40)}...` : id;
    const problem = format === 'uscc' && usccValid(id) ? undefined : idProblem(id, format);
    if (problem) throw new FedError('DATA_ERR_APPLICANTS', `${path} line ${i + 1}: "${shown}" ${problem}`);
    if (seen.has(id)) throw new FedError('DATA_ERR_APPLICANTS', `${path} line ${i + 1}: "${shown}" is listed twice`);
    if (ids.length >= max) throw new FedError('DATA_ERR_APPLICANTS', `${path} lists more than ${max} businesses; split the job`);
    seen.add(id);
    ids.push(id);
  }
  if (!ids.length) throw new FedError('DATA_ERR_APPLICANTS', `${path} lists no businesses to score`);
  return ids;
}

async function readBytes(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (cause) {
    throw new FedError('DATA_ERR_FILE', `cannot read the ${what} ${path}: ${(cause as Error).message}`, { cause });
  }
}

async function readText(path: string, what: string, code: ErrorCode = 'DATA_ERR_FILE'): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (cause) {
    throw new FedError(code, `cannot read the ${what} ${path}: ${(cause as Error).message}`, { cause });
  }
}

function expectHeader(cells: readonly string[] | undefined, want: readonly string[], path: string): void {
  if (!cells || cells.map((c) => c.trim()).join(',') !== want.join(','))
    throw new FedError('DATA_ERR_CSV', `${path} line 1: expected the header ${want.join(',')}`);
}
