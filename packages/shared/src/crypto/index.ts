export * from './channel.ts';
export * from './ckks.ts';
export * from './combine.ts';
export * from './custody.ts';
export * from './gradient.ts';
export * from './psi.ts';
export * from './smudging.ts';
export * from './threshold.ts';
