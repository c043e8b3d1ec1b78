export type { FaultPoint, ScoreTable } from '@fedrisk/shared';
export { type Connection, type ConnectionOptions, createConnection } from './connection.ts';
export { type Handlers, mergeHandlers } from './handlers.ts';
export { makeIdentity } from './identity.ts';
export { type NodeMainOptions, runNodeMain } from './main.ts';
export { createNode, type NodeOptions, type NodeOutcome, type PartyNode } from './party-node.ts';
export { StepGuard } from './session.ts';
export { createEpochGuard, createRequestGuard, type EpochGuard, type RequestGuard, type TrainingSchedule } from './steps/training-schedule.ts';
