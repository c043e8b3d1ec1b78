export type { JobRecord } from '@fedrisk/shared';
export type { Coordinator, CoordinatorOptions } from './api.ts';
export { createCoordinator } from './coordinator.ts';
export { createHold, createHoldTimers, type Hold, type HoldTimers } from './hold.ts';
export type { Job, JobDeps, JobFactory } from './job.ts';
export { combineHandlers } from './job.ts';
export { type CoordinatorMainOptions, runCoordinatorMain } from './main.ts';
export { createPhaseClock, type PhaseClock } from './phase-clock.ts';
export { createStepChannel, type StepChannel } from './step-channel.ts';
