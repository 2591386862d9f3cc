/**
 * Composition root of the API process: read the environment once, build the app, listen, and shut down
 * gracefully on SIGTERM/SIGINT (stop the ingest worker and sweeper, close queues, Redis and PostgreSQL).
 */
import { startApi } from './app.js';
import { createLogger } from './common/logging/logger.js';
import { loadConfig } from './config.js';

// the one place that reads the environment
const config = loadConfig(process.env);
const logger = createLogger(config.logLevel);

const api = await startApi(config, { logger }).catch((err: unknown) => {
  logger.fatal({ err }, 'API failed to start');
  process.exit(1);
});
logger.info(`API listening on ${api.url}`);
if (api.metricsUrl) logger.info(`metrics on ${api.metricsUrl}`);

let closing = false;
async function shutdown(signal: string): Promise<void> {
  if (closing) return;
  closing = true;
  logger.info({ signal }, 'shutting down');
  const force = setTimeout(() => {
    logger.error('graceful shutdown took longer than 10 s; exiting');
    process.exit(1);
  }, 10_000);
  force.unref();
  try {
    await api.close();
    process.exit(0);
  } catch (err) {
    logger.error({ err }, 'error during shutdown');
    process.exit(1);
  }
}
process.once('SIGTERM', () => void shutdown('SIGTERM'));
process.once('SIGINT', () => void shutdown('SIGINT'));
