#!/usr/bin/env node
// The `fedrisk` command. Plain JavaScript so that an older Node can still
// read it and say what it needs, instead of failing on the TypeScript entry
// (which this file loads once the runtime can strip types).
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18) || (major === 23 && minor < 6)) {
  process.stderr.write(
    `fedrisk needs Node.js 22.18 or newer (this is ${process.version}). From the repository, \`npm ci\` installs ` +
      'the pinned Node 24 and `npx fedrisk ...` or the npm scripts use it.\n',
  );
  process.exit(2);
}
// Node's on-disk cache of compiled modules, the same one the participants use: the
// runner then starts in about two thirds of the time (sources stripped once, not every run)
const { enableCompileCache } = await import('node:module');
const { fileURLToPath } = await import('node:url');
enableCompileCache?.(fileURLToPath(new URL('../../../node_modules/.cache/fedrisk-compile', import.meta.url)));
await import('../src/bin/fedrisk.ts');
