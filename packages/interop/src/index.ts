export * from './types.js';
export * from './errors.js';
export { linearPercentile, statsToImported } from './util.js';
export { importResultFile, detectTool } from './importers/index.js';
export { VLLM_RETOKENIZED_FLAG } from './importers/vllm.js';
export { toVllmResult, type VllmExportOptions } from './exporters/vllm.js';
export { summariesToCsv, type CsvRow } from './exporters/csv.js';
export { loadPlanToK6Script, variantBody, type K6ScriptInput } from './k6/script.js';
export { k6ScenariosToLoadPlan } from './k6/plan.js';
export { parseK6Duration } from './k6/duration.js';
export { K6_TRENDS, K6_COUNTERS } from './k6/names.js';
export { MAPPING_TABLE, type MappingRow } from './mapping.js';
export {
  storedImportedPoint,
  rebuiltSummary,
  aggregatesOnlySummary,
  reportedToPartialStats,
  importedLoadLevel,
  importSourceLabel,
  type StoredImportedPoint,
} from './summary.js';
