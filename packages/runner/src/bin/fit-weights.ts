#!/usr/bin/env node
/**
 * npm run fit-weights -- <scenario.yaml> [--seed N]: the same as
 * `fedrisk fit-weights` (fedrisk fit-weights --help explains it).
 */
import { runCliProcess } from './cli-process.ts';

runCliProcess(['fit-weights', ...process.argv.slice(2)]);
