export * from './describe.ts';
export * from './framing.ts';
export * from './id-list.ts';
export * from './ids.ts';
export * from './knowledge.ts';
export * from './params.ts';
export * from './phases.ts';
export * from './protocol.ts';
