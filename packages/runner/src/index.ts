export { type Report, type RunOptions, type RunResult, runScenario, summarise } from './run.ts';
export { alignedFeatures, readLabels, readScores, type Verification, verify } from './referee.ts';
export { auc, fitLogistic, ks } from './stats.ts';
export { CITIES, generatePopulation, INDUSTRIES, type Population, partyCsv, pickApplicants, populationCsv } from './synthetic.ts';
