/**
 * The shape of the code, checked: dependencies point one way between
 * packages, no module imports itself in a circle, the wire protocol holds no
 * SEAL code, no source file grows past 400 lines, and docs/ARCHITECTURE.md's
 * module map lists exactly the files that exist.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(new URL('../..', import.meta.url).pathname);
const PACKAGES = ['shared', 'coordinator', 'node', 'runner'] as const;
/** which workspace packages each package may import */
const ALLOWED: Record<(typeof PACKAGES)[number], string[]> = {
  shared: [],
  coordinator: ['@fedrisk/shared'],
  node: ['@fedrisk/shared'],
  runner: ['@fedrisk/shared', '@fedrisk/coordinator', '@fedrisk/node'],
};

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)].map((m) => m[1] as string);
}

const files = PACKAGES.flatMap((p) => sources(join(ROOT, 'packages', p, 'src')));

describe('architecture', () => {
  it('packages depend one way: coordinator -> shared <- node, and the runner on all three through their exports', () => {
    for (const pkg of PACKAGES) {
      const declared = Object.keys(JSON.parse(readFileSync(join(ROOT, 'packages', pkg, 'package.json'), 'utf8')).dependencies ?? {});
      for (const file of sources(join(ROOT, 'packages', pkg, 'src'))) {
        for (const spec of importsOf(file).filter((s) => s.startsWith('@fedrisk/'))) {
          const name = spec.split('/').slice(0, 2).join('/');
          expect(ALLOWED[pkg], `${relative(ROOT, file)} imports ${spec}`).toContain(name);
          expect(declared, `packages/${pkg}/package.json does not declare ${name}`).toContain(name);
          // only the declared entry points: the package itself, or its bin
          expect([name, `${name}/bin`], `${relative(ROOT, file)} reaches into ${spec}`).toContain(spec);
        }
      }
    }
  });

  it('no module imports itself through a cycle of relative imports', () => {
    const graph = new Map(
      files.map((f) => [
        f,
        importsOf(f)
          .filter((s) => s.startsWith('.'))
          .map((s) => resolve(dirname(f), s)),
      ]),
    );
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (f: string, path: string[]): void => {
      if (state.get(f) === 'done') return;
      if (state.get(f) === 'open') {
        cycles.push([...path.slice(path.indexOf(f)), f].map((p) => relative(ROOT, p)).join(' -> '));
        return;
      }
      state.set(f, 'open');
      for (const g of graph.get(f) ?? []) visit(g, [...path, f]);
      state.set(f, 'done');
    };
    for (const f of files) visit(f, []);
    expect(cycles).toEqual([]);
  });

  it('the wire protocol holds no SEAL code and imports nothing above it', () => {
    for (const file of files.filter((f) => f.includes('/shared/src/wire/'))) {
      for (const spec of importsOf(file)) {
        expect(spec, relative(ROOT, file)).not.toBe('node-seal');
        expect(spec, relative(ROOT, file)).not.toMatch(/\/(crypto|data|model|config)\//);
      }
    }
  });

  it('no source file is over 400 lines', () => {
    const long = files.map((f) => [relative(ROOT, f), readFileSync(f, 'utf8').split('\n').length] as const).filter(([, n]) => n > 401);
    expect(long).toEqual([]);
  });

  it("docs/ARCHITECTURE.md's module map lists exactly the source files there are", () => {
    const doc = readFileSync(join(ROOT, 'docs', 'ARCHITECTURE.md'), 'utf8');
    const section = doc.slice(doc.indexOf('## Module map'), doc.indexOf('\n## ', doc.indexOf('## Module map') + 5));
    const listed = new Set([...section.matchAll(/`(packages\/[^`]+\.ts)`/g)].map((m) => m[1] as string));
    const actual = new Set(files.map((f) => relative(ROOT, f)));
    expect(
      [...actual].filter((f) => !listed.has(f)),
      'files missing from the map',
    ).toEqual([]);
    expect(
      [...listed].filter((f) => !actual.has(f)),
      'files in the map that do not exist',
    ).toEqual([]);
  });
});
