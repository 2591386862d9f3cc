/**
 * Our own metrics' deployment files: infra/prometheus.yml and infra/compose.yaml parse and agree with the metrics
 * listeners' default ports; the Grafana dashboard is valid JSON with a datasource variable, and every inferbench_*
 * metric it queries is one the API or the agent actually defines. (Compose itself is not run here: no Docker engine.)
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readYamlDocuments, REPO_ROOT } from './manifests.js';

const read = (p: string) => readFileSync(path.join(REPO_ROOT, p), 'utf8');

/** `name: 'inferbench_…'` of every metric defined in a source file. */
function definedMetrics(...files: string[]): Set<string> {
  const out = new Set<string>();
  for (const f of files) for (const m of read(f).matchAll(/name: '(inferbench_[a-z0-9_]+)'/g)) out.add(m[1]!);
  return out;
}
/** The default of a `NAME: z.coerce.number()….default(N)` setting in a config source file. */
function defaultPort(file: string, name: string): number {
  const m = new RegExp(`${name}: z\\.coerce\\.number\\(\\)[^\\n]*\\.default\\((\\d+)\\)`).exec(read(file));
  if (!m) throw new Error(`${name} default not found in ${file}`);
  return Number(m[1]);
}

const API_METRICS_FILES = [
  'apps/api/src/infra/metrics/api-metrics.ts',
  'apps/api/src/modules/metrics/ops-metrics.collector.ts',
];
const AGENT_METRICS_FILES = ['apps/agent/src/metrics/agent-metrics.ts'];

describe('prometheus.yml and compose.yaml', () => {
  const apiPort = defaultPort('apps/api/src/config.ts', 'METRICS_PORT');
  const agentPort = defaultPort('apps/agent/src/config.ts', 'AGENT_METRICS_PORT');

  it('scrapes the API and the agents on their metrics listeners', () => {
    expect([apiPort, agentPort]).toEqual([9464, 9465]);
    const [prom] = readYamlDocuments(path.join(REPO_ROOT, 'infra/prometheus.yml')) as {
      scrape_configs: {
        job_name: string;
        metrics_path?: string;
        static_configs?: { targets: string[] }[];
        dns_sd_configs?: { names: string[]; port: number }[];
      }[];
    }[];
    const jobs = new Map(prom!.scrape_configs.map((j) => [j.job_name, j]));
    expect(jobs.get('inferbench-api')?.static_configs?.[0]?.targets).toEqual([`api:${apiPort}`]);
    expect(jobs.get('inferbench-agent')?.dns_sd_configs?.[0]).toMatchObject({
      names: ['agent'],
      port: agentPort,
    });
    for (const j of jobs.values()) expect(j.metrics_path ?? '/metrics').toBe('/metrics');
  });

  it('compose runs Prometheus with that file, and the listeners accept connections from it', () => {
    const [compose] = readYamlDocuments(path.join(REPO_ROOT, 'infra/compose.yaml')) as {
      services: Record<string, { image?: string; volumes?: string[]; environment?: Record<string, string> }>;
    }[];
    const s = compose!.services;
    expect(s.prometheus?.image).toMatch(/^prom\/prometheus:/);
    expect(s.prometheus?.volumes).toContain('./prometheus.yml:/etc/prometheus/prometheus.yml:ro');
    expect(s.api?.environment).toMatchObject({ METRICS_HOST: '0.0.0.0', METRICS_PORT: String(apiPort) });
    expect(s.agent?.environment).toMatchObject({
      AGENT_METRICS_HOST: '0.0.0.0',
      AGENT_METRICS_PORT: String(agentPort),
    });
    // the YAML merge keys still give every app its database/Redis settings
    expect(s.api?.environment).toMatchObject({ REDIS_URL: 'redis://redis:6379' });
  });
});

describe('infra/grafana/inferbench.json', () => {
  const dash = JSON.parse(read('infra/grafana/inferbench.json')) as {
    uid: string;
    templating: { list: { name: string; type: string; query?: unknown }[] };
    panels: {
      type: string;
      title: string;
      datasource?: { type: string; uid: string };
      targets?: { expr: string; datasource?: { uid: string } }[];
    }[];
  };
  const queries = dash.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, ...t })));

  it('has a Prometheus datasource variable used by every panel and query', () => {
    expect(dash.templating.list).toContainEqual(
      expect.objectContaining({ name: 'datasource', type: 'datasource', query: 'prometheus' }),
    );
    for (const p of dash.panels.filter((x) => x.type !== 'row')) {
      expect(p.datasource, p.title).toEqual({ type: 'prometheus', uid: '${datasource}' });
      for (const t of p.targets ?? []) expect(t.datasource?.uid, p.title).toBe('${datasource}');
    }
  });

  it('queries only metrics that exist, and covers every metric the API and agents define', () => {
    const api = definedMetrics(...API_METRICS_FILES);
    const agent = definedMetrics(...AGENT_METRICS_FILES);
    expect(api.size).toBeGreaterThanOrEqual(7);
    expect(agent.size).toBeGreaterThanOrEqual(6);
    const used = new Set<string>();
    for (const q of queries) {
      for (const m of q.expr.matchAll(/\b(inferbench_[a-z0-9_]+)/g)) {
        used.add(m[1]!.replace(/_(bucket|count|sum)$/, ''));
      }
    }
    const defined = new Set([...api, ...agent]);
    expect(
      [...used].filter((m) => !defined.has(m)),
      'queried but never defined',
    ).toEqual([]);
    expect(
      [...defined].filter((m) => !used.has(m)),
      'defined but on no panel',
    ).toEqual([]);
  });

  it('labels HTTP latency by route pattern and uses rate windows on counters', () => {
    const http = queries.filter((q) => q.expr.includes('inferbench_http_request_duration_seconds'));
    expect(http.length).toBeGreaterThan(0);
    for (const q of http) expect(q.expr).toMatch(/by \([^)]*route/);
    for (const q of queries.filter((x) => /_total\b|_bucket\b|_count\b/.test(x.expr))) {
      expect(q.expr, q.panel).toMatch(/rate\([^)]*\[\$__rate_interval\]\)/);
    }
  });
});
