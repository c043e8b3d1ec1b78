/**
 * The shape of a JSON value: every key path with the type found there. A
 * golden test compares the report's shape, not its figures, so a change that
 * drops, renames or retypes a field fails while new runs' numbers do not.
 */
function shapeOf(value: unknown, path = '$', out = new Map<string, Set<string>>()): Map<string, Set<string>> {
  const add = (p: string, t: string) => {
    const set = out.get(p) ?? new Set<string>();
    set.add(t);
    out.set(p, set);
  };
  if (Array.isArray(value)) {
    add(path, 'array');
    for (const item of value) shapeOf(item, `${path}[]`, out);
  } else if (value === null) add(path, 'null');
  else if (typeof value === 'object') {
    add(path, 'object');
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) shapeOf(v, `${path}.${k}`, out);
  } else add(path, typeof value);
  return out;
}

/** The shape as sorted lines `path: type|type`, for a golden file. */
export function shapeLines(value: unknown): string[] {
  return [...shapeOf(value)].map(([p, types]) => `${p}: ${[...types].sort().join('|')}`).sort();
}

/**
 * A text with every number replaced by #, and runs of spaces by one, so two
 * runs' summaries compare by their wording: figures, and the padding that
 * aligns them, vary between runs.
 */
export function maskFigures(text: string): string {
  return text
    .replace(/[0-9]+(\.[0-9]+)?(e[-+]?[0-9]+)?/g, '#')
    .replace(/# (KB|MB)/g, '# size')
    .replace(/ {2,}/g, ' ');
}
