export { sampleLength, meanLength } from './lengths.js';
export { generateWords } from './word-stream.js';
export { SyntheticPromptBuilder, type BuiltText } from './prompt-builder.js';
export {
  parseDataset,
  toConversation,
  toPrompt,
  type ChatMessage,
  type DatasetRecord,
  type DatasetTurn,
  type DatasetConversation,
} from './dataset.js';
export { defaultLoadDataset, BUILTIN_DATASETS } from './dataset-source.js';
export {
  createWorkload,
  countMessages,
  type WorkItem,
  type WorkResult,
  type WorkloadSource,
  type CreateWorkloadOptions,
} from './workload.js';
export { WORKLOAD_PRESETS, type WorkloadPreset, type WorkloadPresetName } from './presets.js';
