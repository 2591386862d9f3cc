export { runCli, buildProgram } from './cli.js';
export { BenchResultSchema, BenchConfigSchema, type BenchResult, type BenchConfig } from './bench/result.js';
export { EXIT } from './errors.js';
