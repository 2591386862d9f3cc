export { startAgent, maxConnectionsFor, type RunningAgent, type StartAgentDeps } from './main.js';
export { loadConfig, type AgentConfig } from './config.js';
export { EvalProcessor, type EvalProcessorDeps, type EvalJobResult } from './worker/eval-processor.js';
export { createAgentSigner, type AgentSigner } from './auth/agent-credential.js';
