/** Dataset layouts for evaluation: paired folders, the CelebAMask-HQ release, prediction folders. */
export * from './types.js';
export * from './readLabelMap.js';
export * from './labelSets.js';
export * from './files.js';
export * from './pairedFolders.js';
export * from './celebamaskHq.js';
export * from './predictionFolders.js';
export * from './openDataset.js';
