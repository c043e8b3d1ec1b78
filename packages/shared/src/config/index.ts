export * from './attacks.ts';
export * from './events.ts';
export * from './files.ts';
export * from './network.ts';
export * from './policy.ts';
export * from './portfolio.ts';
export * from './process.ts';
export * from './scenario.ts';
