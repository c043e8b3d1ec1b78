export * from './model.ts';
export * from './policy.ts';
export * from './scorecard.ts';
export * from './training.ts';
