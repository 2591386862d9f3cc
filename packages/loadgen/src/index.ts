/**
 * Public API of the load engine. Pure library: no Redis, no Nest, no process.env (ARCHITECTURE.md).
 * The agent wires it to BullMQ; the CLI runs it directly.
 */
export * from './ports.js';
export * from './client/index.js';
export * from './clock/index.js';
export * from './tokenizers/index.js';
export * from './strategies/index.js';
export * from './workloads/index.js';
export * from './engine/index.js';
