export { type DataSet, makeDataSet } from './dataset.ts';
export { type Child, COORDINATOR_BIN, NODE_BIN, startChild, stopChildren } from './processes.ts';
export { readLabels, readScores, type Verification, verify } from './referee.ts';
export { type AlignmentResult, type DesignResult, type Report, type RunOptions, type RunResult, runScenario, summarise, type ThresholdBound } from './run.ts';
export { auc, fitLogistic, ks } from './stats.ts';
export { CITIES, generatePopulation, INDUSTRIES, type Population, partyCsv, pickApplicants, populationCsv } from './synthetic.ts';
