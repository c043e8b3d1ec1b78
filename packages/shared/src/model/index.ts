export * from './model.ts';
export * from './scorecard.ts';
export * from './training.ts';
