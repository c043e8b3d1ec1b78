export * from './audit-log.ts';
export * from './audit-verify.ts';
export * from './authorisation.ts';
export * from './config.ts';
export * from './regulator.ts';
