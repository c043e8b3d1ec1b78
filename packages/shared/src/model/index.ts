export * from './dp.ts';
export * from './infer.ts';
export * from './model.ts';
export * from './policy.ts';
export * from './scorecard.ts';
export * from './training.ts';
