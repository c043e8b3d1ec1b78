/**
 * The command line of fedrisk's subcommands: each declares its arguments and
 * options once, with what they mean; from that come the parser (every value
 * checked, a misspelt option or value gets a "did you mean"), -h/--help and
 * the help text.
 */
import { parseArgs } from 'node:util';
import { didYouMean, FedError } from '@fedrisk/shared';
import { wrapLine } from '../text.ts';

/** What a subcommand can use from its surroundings; only src/bin/* connects these to the process. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** aborts a running command (Ctrl-C) */
  signal?: AbortSignal | undefined;
  /** the Node.js executable that runs script subcommands (view, bench) */
  execPath: string;
  cwd: string;
  /** the output is a terminal: progress bars instead of plain progress lines */
  tty?: boolean | undefined;
}

/** Exit statuses shared by every subcommand. */
export const EXIT = { ok: 0, failed: 1, usage: 2, internal: 3, interrupted: 130 } as const;

export const EXIT_HELP: readonly (readonly [number, string])[] = [
  [EXIT.usage, 'bad command line, scenario or data file, or a subcommand this build lacks (a coded error says which)'],
  [EXIT.internal, 'internal error: a bug in fedrisk (the message has a stack trace; please report it)'],
];

export interface OptionSpec {
  /** flag: no value; string: any text; integer: a whole number within min..max; list: comma-separated values */
  kind: 'flag' | 'string' | 'integer' | 'list';
  short?: string;
  /** the value's placeholder in the help, e.g. <dir> */
  value?: string;
  help: string;
  default?: string | number | boolean;
  /** the values a string or each list item may take */
  choices?: readonly string[];
  min?: number;
  max?: number;
}

export interface PositionalSpec {
  name: string;
  help: string;
  required: boolean;
  /** takes every remaining argument */
  many?: boolean;
  choices?: readonly string[];
}

export interface CommandSpec {
  name: string;
  summary: string;
  usage: string;
  description?: string;
  positionals: readonly PositionalSpec[];
  options: Readonly<Record<string, OptionSpec>>;
  /** exit statuses besides those every command shares */
  exits: readonly (readonly [number, string])[];
}

/** A command line checked against its spec. */
export class Args {
  readonly positionals: readonly string[];
  private readonly values: Record<string, string | number | boolean | string[] | undefined>;
  constructor(positionals: readonly string[], values: Record<string, string | number | boolean | string[] | undefined>) {
    this.positionals = positionals;
    this.values = values;
  }
  flag(name: string): boolean {
    return this.values[name] === true;
  }
  string(name: string): string | undefined {
    const v = this.values[name];
    return typeof v === 'string' ? v : undefined;
  }
  integer(name: string): number | undefined {
    const v = this.values[name];
    return typeof v === 'number' ? v : undefined;
  }
  list(name: string): string[] | undefined {
    const v = this.values[name];
    return Array.isArray(v) ? v : undefined;
  }
}

const HELP_OPTION: OptionSpec = { kind: 'flag', short: 'h', help: 'show this help and exit' };

export function usageError(spec: CommandSpec, message: string): FedError {
  return new FedError('CONFIG_ERR_INVALID', `fedrisk ${spec.name}: ${message} (fedrisk ${spec.name} --help lists every option)`);
}

function checkChoice(spec: CommandSpec, what: string, value: string, choices: readonly string[] | undefined): void {
  // a choice may take a parameter after a colon (bench's scale:10000,100000)
  if (choices && !choices.includes(value) && !choices.includes(`${value.split(':')[0]}:`)) {
    const hint = didYouMean(value, choices);
    throw usageError(spec, `${what} cannot be "${value}"${hint || `; choose from ${choices.join(', ')}`}`);
  }
}

/** Parses argv against the spec; undefined means help was asked for. */
export function parseCommandLine(spec: CommandSpec, argv: readonly string[]): Args | undefined {
  const options = { ...spec.options, help: HELP_OPTION };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: Object.fromEntries(
        Object.entries(options).map(([name, o]) => [
          name,
          { type: o.kind === 'flag' ? ('boolean' as const) : ('string' as const), ...(o.short ? { short: o.short } : {}) },
        ]),
      ),
    });
  } catch (err) {
    const message = (err as Error).message;
    const unknown = /Unknown option '(-{1,2}[^']+)'/.exec(message)?.[1];
    if (unknown) {
      const names = Object.keys(options).map((n) => `--${n}`);
      throw usageError(spec, `unknown option ${unknown}${didYouMean(unknown, names)}`);
    }
    throw usageError(spec, message.split('\n')[0] ?? message);
  }
  if (parsed.values.help) return undefined;
  const values: Record<string, string | number | boolean | string[] | undefined> = {};
  for (const [name, o] of Object.entries(spec.options)) {
    const raw = parsed.values[name] as string | boolean | undefined;
    if (raw === undefined) {
      values[name] = o.default;
      continue;
    }
    if (o.kind === 'flag') values[name] = raw === true;
    else if (o.kind === 'integer') {
      const n = Number(raw);
      if (!/^-?\d+$/.test(String(raw)) || !Number.isSafeInteger(n)) throw usageError(spec, `--${name} takes a whole number, not "${raw}"`);
      if ((o.min !== undefined && n < o.min) || (o.max !== undefined && n > o.max))
        throw usageError(spec, `--${name} must be within ${o.min ?? '...'}..${o.max ?? '...'}, not ${n}`);
      values[name] = n;
    } else if (o.kind === 'list') {
      const items = String(raw)
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean);
      if (!items.length) throw usageError(spec, `--${name} needs at least one value`);
      for (const item of items) checkChoice(spec, `--${name}`, item, o.choices);
      values[name] = items;
    } else {
      checkChoice(spec, `--${name}`, String(raw), o.choices);
      values[name] = String(raw);
    }
  }
  const positionals = parsed.positionals;
  const required = spec.positionals.filter((p) => p.required);
  if (positionals.length < required.length)
    throw usageError(
      spec,
      `missing ${required
        .slice(positionals.length)
        .map((p) => p.name)
        .join(' ')}`,
    );
  const many = spec.positionals.some((p) => p.many);
  if (!many && positionals.length > spec.positionals.length)
    throw usageError(spec, `unexpected argument "${positionals[spec.positionals.length]}" (usage: ${spec.usage})`);
  positionals.forEach((value, i) => {
    const p = spec.positionals[Math.min(i, spec.positionals.length - 1)];
    checkChoice(spec, p?.name ?? 'an argument', value, p?.choices);
  });
  return new Args(positionals, values);
}

const COLUMN = 26;

function item(left: string, text: string, column = COLUMN): string[] {
  const head = `  ${left}`;
  return head.length + 1 >= column ? [head, ...wrapLine(' '.repeat(column), text, column)] : wrapLine(head.padEnd(column), text, column);
}

/** The help text of a subcommand: usage, what it does, every argument and option, exit statuses. */
export function commandHelp(spec: CommandSpec): string {
  const lines = [...wrapLine(`fedrisk ${spec.name}: `, spec.summary, 2), '', ...wrapLine('Usage: ', spec.usage, 9)];
  if (spec.description) lines.push('', ...spec.description.split('\n\n').flatMap((para, i) => [...(i ? [''] : []), ...wrapLine('', para, 0)]));
  if (spec.positionals.length) {
    lines.push('', 'Arguments:');
    for (const p of spec.positionals) {
      // a help text that already explains every choice is not followed by the bare list
      const listed = p.choices?.every((c) => p.help.includes(c.replace(/:$/, '')));
      lines.push(...item(p.name, `${p.help}${p.choices && !listed ? ` (${p.choices.join(', ')})` : ''}`));
    }
  }
  lines.push('', 'Options:');
  for (const [name, o] of Object.entries(spec.options)) {
    const left = `${o.short ? `-${o.short}, ` : ''}--${name}${o.value ? ` ${o.value}` : ''}`;
    const choices = o.choices && o.choices.length <= 12 ? ` One of: ${o.choices.join(', ')}.` : '';
    const dflt = o.default !== undefined && o.default !== false ? ` Default: ${o.default}.` : '';
    lines.push(...item(left, `${o.help}.${choices}${dflt}`));
  }
  lines.push(...item('-h, --help', 'show this help and exit'));
  lines.push('', 'Exit status:');
  const exits = [[EXIT.ok, 'success'] as const, ...spec.exits, ...EXIT_HELP].sort((a, b) => a[0] - b[0]);
  for (const [code, meaning] of exits) lines.push(...item(String(code), meaning, 8));
  return `${lines.join('\n')}\n`;
}
