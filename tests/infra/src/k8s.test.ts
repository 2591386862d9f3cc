/**
 * infra/k8s: every manifest parses and conforms to the Kubernetes OpenAPI schema of its kind (kubernetes-models),
 * a deliberately broken manifest fails, and the pieces fit together (kustomization resources exist, Services select
 * their pods, probes and Secrets are wired as documented, agents land on GPU nodes).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  K8S_DIR,
  k8sManifestFiles,
  readManifests,
  readYamlDocuments,
  REPO_ROOT,
  validateManifest,
  type Manifest,
} from './manifests.js';

const files = k8sManifestFiles();
const all: Manifest[] = files.flatMap((f) => readManifests(f));
const find = (kind: string, name: string): Manifest => {
  const m = all.find((x) => x.kind === kind && x.metadata.name === name);
  if (!m) throw new Error(`no ${kind} ${name} in infra/k8s`);
  return m;
};

interface Container {
  name: string;
  env?: { name: string; value?: string; valueFrom?: Record<string, Record<string, string>> }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  ports?: { name?: string; containerPort: number }[];
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
  livenessProbe?: { httpGet?: { path: string; port: string | number } };
}
interface PodSpec {
  containers: Container[];
  nodeSelector?: Record<string, string>;
  tolerations?: { key?: string; operator?: string; effect?: string }[];
}
const podTemplate = (m: Manifest) =>
  (m.spec as { template: { metadata: { labels: Record<string, string> }; spec: PodSpec } }).template;
const envOf = (c: Container, name: string) => c.env?.find((e) => e.name === name);

describe('infra/k8s manifests', () => {
  it('finds the manifests', () => {
    expect(files.length).toBeGreaterThanOrEqual(7);
    expect(all.map((m) => `${m.kind}/${m.metadata.name}`).sort()).toEqual(
      expect.arrayContaining([
        'ConfigMap/inferbench-config',
        'DaemonSet/inferbench-agent-gpu',
        'Deployment/inferbench-api',
        'Deployment/inferbench-web',
        'Job/inferbench-migrate',
        'Namespace/inferbench',
        'Secret/inferbench-secrets',
        'Service/inferbench-api',
        'Service/inferbench-web',
        'Service/postgres',
        'Service/redis',
      ]),
    );
  });

  it.each(all.map((m) => [`${m.file}: ${m.kind}/${m.metadata.name}`, m] as const))(
    'validates against the Kubernetes schema: %s',
    async (_label, m) => {
      await expect(validateManifest(m)).resolves.toBeUndefined();
    },
  );

  it('rejects a deliberately broken manifest, naming what is wrong', async () => {
    const [broken] = readManifests(path.join(REPO_ROOT, 'tests/infra/fixtures/broken-deployment.yaml'));
    const err = await validateManifest(broken!).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err, 'the broken manifest must not validate').toBeInstanceOf(Error);
    expect(err!.message).toMatch(/replicas/);
    expect(err!.message).toMatch(/name/);
    // and each fix alone is not enough: a string replica count fails on its own
    const api = find('Deployment', 'inferbench-api');
    await expect(
      validateManifest({ ...api, spec: { ...(api.spec as object), replicas: 'two' } } as Manifest),
    ).rejects.toThrow(/replicas/);
    await expect(validateManifest({ apiVersion: 'example.com/v9', kind: 'Nope' })).rejects.toThrow(
      /no schema/,
    );
  });

  it('kustomization lists existing files, every manifest but the example Secret', () => {
    const [k] = readYamlDocuments(path.join(K8S_DIR, 'kustomization.yaml')) as {
      resources: string[];
      namespace: string;
    }[];
    expect(k!.namespace).toBe('inferbench');
    for (const r of k!.resources) expect(existsSync(path.join(K8S_DIR, r)), r).toBe(true);
    const listed = new Set(k!.resources);
    const notListed = files.map((f) => path.basename(f)).filter((f) => !listed.has(f));
    expect(notListed).toEqual(['secret.example.yaml']);
    for (const m of all)
      expect(m.metadata.namespace ?? 'inferbench', `${m.kind}/${m.metadata.name}`).toBe('inferbench');
  });

  it('every Service selects the pods of a workload and targets a named port they expose', () => {
    const workloads = all.filter((m) => ['Deployment', 'DaemonSet'].includes(m.kind));
    for (const svc of all.filter((m) => m.kind === 'Service')) {
      const spec = svc.spec as {
        type?: string;
        selector?: Record<string, string>;
        ports?: { targetPort: string }[];
      };
      if (spec.type === 'ExternalName') continue;
      const matches = workloads.filter((w) =>
        Object.entries(spec.selector ?? {}).every(([k, v]) => podTemplate(w).metadata.labels[k] === v),
      );
      expect(matches.length, `Service ${svc.metadata.name} selects one workload`).toBe(1);
      const portNames = podTemplate(matches[0]!).spec.containers.flatMap(
        (c) => c.ports?.map((p) => p.name) ?? [],
      );
      for (const p of spec.ports ?? [])
        expect(portNames, `${svc.metadata.name} → ${p.targetPort}`).toContain(p.targetPort);
    }
    for (const w of workloads) {
      const sel = (w.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels;
      for (const [k, v] of Object.entries(sel))
        expect(podTemplate(w).metadata.labels[k], `${w.metadata.name} ${k}`).toBe(v);
    }
  });

  it('API: readiness on /ready, liveness on /health, secrets from the Secret, metrics port exposed', () => {
    const api = podTemplate(find('Deployment', 'inferbench-api')).spec.containers[0]!;
    expect(api.readinessProbe?.httpGet).toMatchObject({ path: '/ready', port: 'http' });
    expect(api.livenessProbe?.httpGet).toMatchObject({ path: '/health', port: 'http' });
    for (const key of ['SECRET_KEY', 'DATABASE_URL', 'REDIS_URL']) {
      expect(envOf(api, key)?.valueFrom?.secretKeyRef, key).toEqual({ name: 'inferbench-secrets', key });
    }
    expect(api.ports).toEqual(
      expect.arrayContaining([
        { name: 'http', containerPort: 4000, protocol: 'TCP' },
        { name: 'metrics', containerPort: 9464, protocol: 'TCP' },
      ]),
    );
    const config = find('ConfigMap', 'inferbench-config').data as Record<string, string>;
    expect(config).toMatchObject({
      API_HOST: '0.0.0.0',
      API_PORT: '4000',
      METRICS_HOST: '0.0.0.0',
      METRICS_PORT: '9464',
    });
    // every key the example Secret defines is one the workloads read
    const secretKeys = Object.keys(find('Secret', 'inferbench-secrets').stringData as object).sort();
    expect(secretKeys).toEqual(['DATABASE_URL', 'REDIS_URL', 'SECRET_KEY']);
  });

  it('agents: a DaemonSet on GPU nodes, tolerating the GPU taint, pool from its pod label, no GPU taken', () => {
    const ds = find('DaemonSet', 'inferbench-agent-gpu');
    const tpl = podTemplate(ds);
    expect(tpl.spec.nodeSelector).toEqual({ 'nvidia.com/gpu.present': 'true' });
    expect(tpl.spec.tolerations).toContainEqual({
      key: 'nvidia.com/gpu',
      operator: 'Exists',
      effect: 'NoSchedule',
    });
    const agent = tpl.spec.containers[0]!;
    expect(envOf(agent, 'AGENT_POOL')?.valueFrom?.fieldRef?.fieldPath).toBe(
      "metadata.labels['inferbench.dev/pool']",
    );
    expect(tpl.metadata.labels['inferbench.dev/pool']).toMatch(/^[a-z0-9][a-z0-9-]{0,62}$/);
    expect(envOf(agent, 'REDIS_URL')?.valueFrom?.secretKeyRef).toEqual({
      name: 'inferbench-secrets',
      key: 'REDIS_URL',
    });
    expect(JSON.stringify(agent)).not.toContain('nvidia.com/gpu"'); // no GPU resource request
    expect(agent.ports).toContainEqual({ name: 'metrics', containerPort: 9465, protocol: 'TCP' });
  });

  it('the migration Job migrates with DATABASE_URL from the Secret', () => {
    const job = find('Job', 'inferbench-migrate');
    const c = podTemplate(job).spec.containers[0]! as Container & { command: string[] };
    expect(c.command).toEqual(['pnpm', '--filter', '@inferbench/db', 'migrate']);
    expect(envOf(c, 'DATABASE_URL')?.valueFrom?.secretKeyRef).toEqual({
      name: 'inferbench-secrets',
      key: 'DATABASE_URL',
    });
  });
});
