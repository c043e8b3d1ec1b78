#!/usr/bin/env node
/**
 * fedrisk <command> [options]: run, view, bench, audit, fit-weights, init,
 * schema. `npx fedrisk --help` from the repository lists them; the pinned
 * Node.js that npx puts first on the PATH runs this file.
 */
import { runCliProcess } from './cli-process.ts';

runCliProcess(process.argv.slice(2));
