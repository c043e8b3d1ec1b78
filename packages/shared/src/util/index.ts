export * from './errors.ts';
export * from './logger.ts';
export * from './rng.ts';
export * from './suggest.ts';
export * from './timers.ts';
