/** Every test file: its temporary folders go after each test and after the file. */
import { afterAll, afterEach } from 'vitest';
import { removeFileDirs, removeTestDirs } from './helpers/fixtures.ts';

afterEach(removeTestDirs);
afterAll(removeFileDirs);
