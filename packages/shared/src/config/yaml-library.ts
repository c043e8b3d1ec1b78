/**
 * The YAML library, loaded the first time a scenario is read: only the runner
 * reads scenarios, so the participants load this package without it (about
 * 40 ms of start-up each).
 */
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';

export const yamlLibrary = (): typeof Yaml => createRequire(import.meta.url)('yaml') as typeof Yaml;
