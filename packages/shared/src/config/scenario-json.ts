/**
 * The scenario format as a JSON Schema (generated from the zod schema, with
 * a description on every field for editors), and the list of its fields that
 * docs/SCENARIOS.md and "did you mean" are made from.
 */
import { z } from 'zod';
import { scenarioSchema } from './scenario.ts';
import { SCENARIO_FIELD_HELP } from './scenario-fields.ts';

/** A JSON Schema node, as z.toJSONSchema writes them. */
export interface JsonSchemaNode {
  type?: string;
  const?: unknown;
  enum?: unknown[];
  default?: unknown;
  description?: string;
  properties?: Record<string, JsonSchemaNode>;
  required?: string[];
  additionalProperties?: JsonSchemaNode | boolean;
  propertyNames?: JsonSchemaNode;
  items?: JsonSchemaNode;
  oneOf?: JsonSchemaNode[];
  anyOf?: JsonSchemaNode[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  minLength?: number;
  pattern?: string;
  [key: string]: unknown;
}

/** One field of the format: its path (`parties[].id`, `model.<party>.features.<column>.weight`), type and default. */
export interface ScenarioField {
  path: string;
  type: string;
  required: boolean;
  default?: unknown;
  /** which kind of data (or other variant) the field belongs to, when not all */
  variant?: string;
}

function generated(): JsonSchemaNode {
  return z.toJSONSchema(scenarioSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchemaNode;
}

let cachedSchema: JsonSchemaNode | undefined;
/** The generated schema, made once and only read. */
function base(): JsonSchemaNode {
  cachedSchema ??= generated();
  return cachedSchema;
}

/** The placeholder a map's keys get in a field path. */
function keyName(path: string, node: JsonSchemaNode): string {
  if (node.propertyNames?.pattern?.startsWith('^[a-z]')) return '<party>';
  if (path.endsWith('.features')) return '<column>';
  if (path.endsWith('.weights')) return '<category>';
  return '<key>';
}

function variantsOf(node: JsonSchemaNode): JsonSchemaNode[] | undefined {
  const alternatives = node.oneOf ?? node.anyOf;
  // a union of objects is walked variant by variant; a union of plain values is one field
  return alternatives?.some((a) => a.type === 'object') ? alternatives : undefined;
}

type Visit = (path: string, node: JsonSchemaNode, required: boolean, variant?: string) => void;

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

/** Calls visit for every node of the schema with its field path (variants of a union share their paths). */
function walk(node: JsonSchemaNode, path: string, visit: Visit, required: boolean, variant?: string): void {
  if (path) visit(path, node, required, variant);
  walkInside(node, path, visit, variant);
}

function walkInside(node: JsonSchemaNode, path: string, visit: Visit, variant?: string): void {
  const alternatives = variantsOf(node);
  if (alternatives) {
    for (const alt of alternatives) {
      const tag = Object.values(alt.properties ?? {}).find((p) => p.const !== undefined)?.const;
      walkInside(alt, path, visit, tag === undefined ? variant : String(tag));
    }
    return;
  }
  for (const [key, child] of Object.entries(node.properties ?? {})) walk(child, join(path, key), visit, node.required?.includes(key) ?? false, variant);
  // list items and map entries are not "required": their list or map is
  if (node.items) walk(node.items, `${path}[]`, visit, false, variant);
  if (typeof node.additionalProperties === 'object') walk(node.additionalProperties, `${path}.${keyName(path, node)}`, visit, false, variant);
}

/** A field's type in words: `integer 0..4294967295`, `"psi" | "query"`, `list of string`, ... */
export function typeOf(node: JsonSchemaNode): string {
  if (node.const !== undefined) return JSON.stringify(node.const);
  if (node.enum) return node.enum.map((v) => JSON.stringify(v)).join(' | ');
  const alternatives = node.oneOf ?? node.anyOf;
  if (alternatives) return [...new Set(alternatives.map(typeOf))].join(' | ');
  const lo = node.minimum ?? node.exclusiveMinimum;
  // zod's .int() bounds integers by the largest safe one: that is no bound a person needs to read
  const hi = [node.maximum, node.exclusiveMaximum].find((x) => x !== undefined && x < Number.MAX_SAFE_INTEGER);
  const from = lo === undefined ? '' : `${node.exclusiveMinimum !== undefined ? '>' : ''}${lo}`;
  const to = hi === undefined ? '' : `${node.exclusiveMaximum === hi ? '<' : ''}${hi}`;
  const range = from || to ? ` ${from}..${to}` : '';
  switch (node.type) {
    case 'array':
      return `list of ${node.items ? typeOf(node.items) : 'values'}${node.minItems ? ` (at least ${node.minItems})` : ''}`;
    case 'object':
      return typeof node.additionalProperties === 'object' ? 'map' : 'object';
    case undefined:
      return 'any';
    default:
      return `${node.type}${range}`;
  }
}

let cachedFields: ScenarioField[] | undefined;

/** Every field of the scenario format, in schema order. */
export function scenarioFields(): ScenarioField[] {
  if (cachedFields) return cachedFields;
  const byPath = new Map<string, ScenarioField>();
  walk(
    base(),
    '',
    (path, node, required, variant) => {
      const seen = byPath.get(path);
      const type = typeOf(node);
      if (!seen) {
        byPath.set(path, { path, type, required, ...(node.default !== undefined ? { default: node.default } : {}), ...(variant ? { variant } : {}) });
        return;
      }
      // the same path in several variants (data.kind): one field, its types joined
      // the same field in two variants: each alternative once
      seen.type = [...new Set([...seen.type.split(' | '), ...type.split(' | ')])].join(' | ');
      if (seen.variant && seen.variant !== variant) delete seen.variant;
    },
    true,
  );
  cachedFields = [...byPath.values()];
  return cachedFields;
}

/** The JSON Schema editors use: generated from the zod schema, each field described. */
export function scenarioJsonSchema(): JsonSchemaNode {
  const root = generated();
  walk(
    root,
    '',
    (path, node) => {
      const help = SCENARIO_FIELD_HELP[path];
      if (help) node.description = help;
    },
    true,
  );
  return {
    $schema: root.$schema,
    title: 'fedrisk scenario',
    description: 'A fedrisk scenario file: data, parties, job, crypto parameters, model, training, faults. See docs/SCENARIOS.md.',
    ...Object.fromEntries(Object.entries(root).filter(([k]) => k !== '$schema')),
  };
}

/** The field names an object at this value path may have (for "did you mean"). */
export function knownKeysAt(path: readonly PropertyKey[]): string[] {
  let nodes: JsonSchemaNode[] = [base()];
  const expand = (list: JsonSchemaNode[]) => list.flatMap((n) => variantsOf(n) ?? [n]);
  for (const seg of path) {
    nodes = expand(nodes).flatMap((n) => {
      if (typeof seg === 'number') return n.items ? [n.items] : [];
      const named = n.properties?.[String(seg)];
      if (named) return [named];
      return typeof n.additionalProperties === 'object' ? [n.additionalProperties] : [];
    });
  }
  return [...new Set(expand(nodes).flatMap((n) => Object.keys(n.properties ?? {})))];
}

/** A default as the reference shows it: scalars and short lists; a section's defaults are listed under its fields. */
function shownDefault(value: unknown): string {
  if (value === undefined || (typeof value === 'object' && value !== null && !Array.isArray(value))) return '';
  const text = JSON.stringify(value);
  return text.length > 40 ? '' : `\`${text}\``;
}

const cell = (text: string) => text.replaceAll('|', '\\|');

/** docs/SCENARIOS.md's field reference: one row per field, from the schema and SCENARIO_FIELD_HELP. */
export function scenarioFieldTable(): string {
  const rows = scenarioFields().map((f) => {
    const meaning = `${f.variant ? `(${f.variant}) ` : ''}${SCENARIO_FIELD_HELP[f.path] ?? ''}`;
    return `| \`${f.path}\` | ${cell(f.type)} | ${f.required ? 'yes' : ''} | ${cell(shownDefault(f.default))} | ${cell(meaning)} |`;
  });
  return ['| field | type | required | default | meaning |', '| --- | --- | --- | --- | --- |', ...rows].join('\n');
}
