/** The view: the live page (server, stepper, replay of a run folder) and the self-contained report.html. */
export {
  type CurveSet,
  computeCurves,
  type GradeBucket,
  type GradeDistribution,
  gradeDistribution,
  type KsPoint,
  MAX_CURVE_POINTS,
  type ReportCurves,
  type RocPoint,
  thinIndices,
} from '../curves.ts';
export { ANY_PHASE_TYPES, phaseOfMessage, previewOf, type StepPoint, safePreview, type ViewEvent, type ViewMessageEvent } from './events.ts';
export { LABELS, type Lang, label } from './i18n.ts';
export { expectedHoldings, expectedPhases, type LiveRun, liveRun } from './live.ts';
export { type ReplayOptions, type ReplayStep, type ReplayTarget, replayRun, replaySteps } from './replay.ts';
export { type ReportHtmlInput, renderReportHtml } from './report-html.ts';
export { loadReportInput, readReport, reportInputOf } from './run-data.ts';
export { createViewServer, type ViewServer, type ViewServerOptions } from './server.ts';
export { MESSAGE_HOLD_MS, PHASE_HOLD_MS, type StepMode, Stepper, type StepperOptions, type StepperState } from './stepper.ts';
