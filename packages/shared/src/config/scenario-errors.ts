/**
 * Scenario errors a person can act on: each names the field's path and its
 * line in the YAML file, and a misspelt name gets a "did you mean".
 */
import type { LineCounter, Node, Document as YamlDocument } from 'yaml';
import type { z } from 'zod';
import { didYouMean } from '../util/suggest.ts';
import { knownKeysAt } from './scenario-json.ts';
import { yamlLibrary } from './yaml-library.ts';

type Issue = z.core.$ZodIssue;
type Path = readonly PropertyKey[];

/** `parties[1].coverage` */
export function formatPath(path: Path): string {
  return path.map((p, k) => (typeof p === 'number' ? `[${p}]` : k === 0 ? String(p) : `.${String(p)}`)).join('') || '(top level)';
}

/** The YAML node at a value path, and the line of the deepest part of the path that exists (of the key, for a map entry). */
function locate(doc: YamlDocument, lines: LineCounter, path: Path): { line?: number; value?: unknown } {
  const { isMap, isPair, isScalar, isSeq } = yamlLibrary();
  let node: unknown = doc.contents;
  let line: number | undefined;
  const lineOf = (n: unknown) => {
    const range = (n as Node | undefined)?.range;
    return range ? lines.linePos(range[0]).line : undefined;
  };
  line = lineOf(node);
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      line = lineOf(pair.key) ?? line;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg];
      if (!item) break;
      line = lineOf(item) ?? line;
      node = item;
    } else break;
  }
  return { ...(line !== undefined ? { line } : {}), value: isScalar(node) ? node.value : undefined };
}

/** A union's closest alternative: the branch with the fewest issues, its issues under the union's path. */
function closestBranch(issue: Issue & { code: 'invalid_union' }): Issue[] | undefined {
  const branches = issue.errors.filter((b) => b.length);
  if (!branches.length) return undefined;
  const best = branches.reduce((a, b) => (b.length < a.length ? b : a));
  return best.map((i) => ({ ...i, path: [...issue.path, ...i.path] }) as Issue);
}

interface Located {
  line: number | undefined;
  path: string;
  message: string;
}

function describe(issue: Issue, doc: YamlDocument, lines: LineCounter): Located[] {
  const at = locate(doc, lines, issue.path);
  const one = (message: string, path: Path = issue.path, line = at.line): Located => ({ line, path: formatPath(path), message });
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = knownKeysAt(issue.path);
      return issue.keys.map((key) => {
        const path = [...issue.path, key];
        const hint = didYouMean(key, known) || (known.length ? ` (fields here: ${known.join(', ')})` : '');
        return one(`unknown field "${key}"${hint}`, path, locate(doc, lines, path).line);
      });
    }
    case 'invalid_value':
      return [one(`${issue.message}${at.value !== undefined ? didYouMean(String(at.value), issue.values.map(String)) : ''}`)];
    case 'invalid_type':
      // a field the file does not have: say so, without pointing at a line that is about something else
      if (at.value === undefined && !hasPath(doc, issue.path))
        return [
          { line: undefined, path: formatPath(issue.path), message: `missing: a required field (${(issue as { expected?: string }).expected ?? 'a value'})` },
        ];
      return [one(issue.message)];
    case 'invalid_format':
      return [one(`${issue.message}${at.value !== undefined ? ` (found "${String(at.value)}")` : ''}`)];
    case 'invalid_union': {
      const options = (issue as { options?: unknown[] }).options;
      if (options && at.value !== undefined) return [one(`${issue.message}${didYouMean(String(at.value), options.map(String))}`)];
      const branch = closestBranch(issue);
      if (branch) return branch.flatMap((i) => describe(i, doc, lines));
      return [one(issue.message)];
    }
    default:
      return [one(issue.message)];
  }
}

/** One line per problem: `file:line  path: message`, in file order. */
export function describeScenarioIssues(issues: readonly Issue[], doc: YamlDocument, lines: LineCounter, file: string): string[] {
  const located = issues.flatMap((i) => describe(i, doc, lines));
  located.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  return located.map((l) => `  ${file}${l.line !== undefined ? `:${l.line}` : ''}  ${l.path}: ${l.message}`);
}

/** Whether the YAML document has a node at `path` (null counts: `seed:` with nothing after it is there, but empty). */
function hasPath(doc: YamlDocument, path: Path): boolean {
  return doc.hasIn(path as (string | number)[]);
}
