/** fedrisk schema: the scenario format as a JSON Schema (for editors), or as the field reference of docs/SCENARIOS.md. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { scenarioFieldTable, scenarioJsonSchema } from '@fedrisk/shared';
import type { Args, CliIo, CommandSpec } from './args.ts';

export const schemaSpec: CommandSpec = {
  name: 'schema',
  summary: 'write the scenario format as a JSON Schema, generated from the schema every scenario is checked against',
  usage: 'fedrisk schema [--out <file>] [--format json|markdown]',
  description:
    'Editors that read a "# yaml-language-server: $schema=<file>" line (VS Code with the YAML extension, Neovim, JetBrains IDEs) then complete and check a scenario as you type. The shipped scenarios point at scenarios/scenario.schema.json, which is this output (a test keeps it current). Checks that span fields (a recipient that is one of the parties, key custody, columns a party has) are made when a scenario is loaded, not by the JSON Schema.',
  positionals: [],
  options: {
    out: { kind: 'string', value: '<file>', help: 'write to this file instead of standard output' },
    format: {
      kind: 'string',
      value: '<format>',
      help: 'json: the JSON Schema (draft 2020-12); markdown: the field reference table of docs/SCENARIOS.md',
      choices: ['json', 'markdown'],
      default: 'json',
    },
  },
  exits: [],
};

/** The JSON Schema file's text, as checked in at scenarios/scenario.schema.json. */
export function scenarioSchemaText(): string {
  return `${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`;
}

export async function schemaCommand(args: Args, io: CliIo): Promise<number> {
  const text = args.string('format') === 'markdown' ? `${scenarioFieldTable()}\n` : scenarioSchemaText();
  const out = args.string('out');
  if (out) {
    const path = resolve(io.cwd, out);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    io.err(`wrote ${out}\n`);
  } else io.out(text);
  return 0;
}
