#!/usr/bin/env node
/**
 * npm run scenario -- <scenario.yaml> [options]: the same as `fedrisk run`
 * (fedrisk run --help lists the options and exit statuses).
 */
import { runCliProcess } from './cli-process.ts';

runCliProcess(['run', ...process.argv.slice(2)]);
