export { type Coordinator, type CoordinatorOptions, createCoordinator, type JobRecord } from './coordinator.ts';
export type { PhaseName } from './scoring-job.ts';
