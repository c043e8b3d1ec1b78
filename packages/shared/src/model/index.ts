export * from './infer.ts';
export * from './model.ts';
export * from './policy.ts';
export * from './reason-codes.ts';
export * from './reason-payload.ts';
export * from './reasons.ts';
export * from './scorecard.ts';
export * from './training.ts';
