/** Segmentation metrics: confusion matrix, pixel accuracy, IoU, F1, boundary F1. */
export * from './labelMap.js';
export * from './confusionMatrix.js';
export * from './scores.js';
export * from './distanceTransform.js';
export * from './boundaryF1.js';
export * from './mergeSides.js';
