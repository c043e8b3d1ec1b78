export { type DataSet, makeDataSet } from './dataset.ts';
export type { CoordinatorLaunch, EventHandler, Launcher, NodeLaunch, Participant } from './launch/launcher.ts';
export { type Child, NODE_BIN, processLauncher, startChild } from './launch/processes.ts';
export { readScores, type Verification } from './referee.ts';
export type { AlignmentResult, DesignResult, Report, RunResult, ThresholdBound, TrainingReport } from './report/types.ts';
export { type RunOptions, runScenario } from './run.ts';
export { auc, fitLogistic, ks } from './stats.ts';
export { summarise } from './summary.ts';
export { generatePopulation, type Population, partyCsv, pickApplicants, populationCsv } from './synthetic.ts';
