/**
 * @inferbench/sim — an OpenAI-compatible inference-server simulator (vLLM-like continuous
 * batching on a cost model, real sockets, real wall time). See README.md.
 */
export { startSim } from './server.js';
export { DEFAULT_MAX_TOKENS } from './completion-request.js';
export type { SimOptions, SimServer, SimStats, SimModelStats } from './server-types.js';
export { PROFILE_REGISTRY, QUANT_FACTORS, resolveProfiles, expectedSpecTokensPerStep } from './profiles.js';
export type {
  SimProfile,
  SimProfileInput,
  BatchedProfile,
  FixedProfile,
  FaultSpec,
  Quantization,
  DisaggregationOptions,
  SpeculativeOptions,
} from './profiles.js';
export { countTextTokens, VOCAB } from './tokens.js';
export type { LagStats } from './driver.js';
