/** Evaluation: the runner over prediction/ground-truth samples, where predictions come from, and the reports. */
export * from './types.js';
export { evaluate, isBadDataError, defaultBackgroundIndex } from './runner.js';
export { summarizeView } from './summary.js';
export { predictionFolderSamples, modelSamples, type Prediction, type Predictor, type PredictionFolderOptions } from './sources.js';
export { createModelPredictor, type ModelPredictor } from './modelPredictor.js';
export { formatTable, formatMarkdown, toJsonReport, summaryLine } from './report/text.js';
export { writeReport, type ReportOptions, type WrittenReport } from './report/writeReport.js';
