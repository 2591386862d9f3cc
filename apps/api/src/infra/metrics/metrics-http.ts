import type { FastifyInstance } from 'fastify';
import { startMetricsListener, type MetricsListener } from '@inferbench/telemetry';
import type { AppConfig } from '../../config.js';
import type { Logger } from '../../common/logging/logger.js';
import { UNMATCHED_ROUTE, type ApiMetrics } from './api-metrics.js';

/**
 * Time every answered request of the main router with a Fastify `onResponse` hook, labelled by the matched route
 * pattern (`/runs/:id`, from `routeOptions.url`), method and status. Hijacked replies (the SSE stream) end outside
 * Fastify's reply cycle and are counted by the SSE gauge instead.
 */
export function installHttpMetrics(fastify: FastifyInstance, metrics: ApiMetrics): void {
  if (!metrics.enabled) return;
  fastify.addHook('onResponse', (request, reply, done) => {
    metrics.recordHttp(
      request.routeOptions.url ?? UNMATCHED_ROUTE,
      request.method,
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
    done();
  });
}

/**
 * Serve the metrics on their own listener (`METRICS_HOST:METRICS_PORT`), never on the API's router, so the main
 * router's guards do not apply and /metrics is not public. Port 0 or `INFERBENCH_METRICS=0`: no listener. A port
 * already taken (e.g. a second API on one host) costs the metrics, not the API: logged, and undefined is returned.
 */
export async function startApiMetricsListener(
  metrics: ApiMetrics,
  config: AppConfig,
  logger: Logger,
): Promise<MetricsListener | undefined> {
  if (!metrics.enabled || config.metrics.port === 0) return undefined;
  try {
    return await startMetricsListener({
      host: config.metrics.host,
      port: config.metrics.port,
      render: () => metrics.render(),
      onRenderError: (err) => logger.warn({ err }, 'metrics scrape failed'),
    });
  } catch (err) {
    logger.warn(
      { err: (err as Error).message, host: config.metrics.host, port: config.metrics.port },
      'metrics listener could not start; the API runs without it (set METRICS_PORT to a free port, or 0)',
    );
    return undefined;
  }
}
