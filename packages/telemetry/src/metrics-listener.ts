/**
 * A tiny HTTP listener that serves our own Prometheus metrics at `GET /metrics`, on its own port, apart from any
 * application router (so guards, auth and routing of the main server never apply to it, and the main server never
 * exposes it). Knows nothing of the metrics library: the caller renders the exposition text per scrape.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface MetricsListenerOptions {
  host: string;
  /** 0 picks a free port (callers that treat 0 as "disabled" must not call this) */
  port: number;
  /** the exposition text and its content type, built on each scrape */
  render(): Promise<{ body: string; contentType: string }>;
  /** a scrape whose rendering threw (answered 500) */
  onRenderError?(err: unknown): void;
}

export interface MetricsListener {
  /** e.g. `http://127.0.0.1:9464/metrics` */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Listen on `host:port` and answer `GET`/`HEAD /metrics`; anything else is 404. Rejects when it cannot bind. */
export async function startMetricsListener(opts: MetricsListenerOptions): Promise<MetricsListener> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(path === '/metrics' ? 405 : 404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(path === '/metrics' ? 'method not allowed\n' : 'not found: metrics are at /metrics\n');
      return;
    }
    opts.render().then(
      ({ body, contentType }) => {
        res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : body);
      },
      (err: unknown) => {
        opts.onRenderError?.(err);
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('metrics collection failed\n');
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(opts.port, opts.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    url: `http://${host}:${port}/metrics`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
