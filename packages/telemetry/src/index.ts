export * from './prom-parser.js';
export * from './histogram.js';
export * from './metric-names.js';
export * from './server-telemetry.js';
export * from './scraper.js';
export * from './gpu.js';
export * from './bottleneck.js';
