/**
 * Reading and validating the Kubernetes manifests of infra/k8s: every YAML document is parsed with `yaml` and
 * validated against the Kubernetes OpenAPI schema of its kind with the `kubernetes-models` classes (their
 * `validate()` runs JSON-schema validators generated from the Kubernetes OpenAPI spec and shipped in the package:
 * no cluster, no network).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const K8S_DIR = path.join(REPO_ROOT, 'infra/k8s');

export interface Manifest {
  file: string;
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [key: string]: unknown;
}

/** Every document of a YAML file (comments-only documents skipped); throws on a YAML syntax error. */
export function readYamlDocuments(file: string): unknown[] {
  // merge: compose files use YAML 1.1 merge keys (`<<: *app`)
  const docs = parseAllDocuments(readFileSync(file, 'utf8'), { merge: true });
  const out: unknown[] = [];
  for (const doc of docs) {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value: unknown = doc.toJS();
    if (value !== null && value !== undefined) out.push(value);
  }
  return out;
}

/** The Kubernetes objects of one file (each must have apiVersion, kind and metadata.name). */
export function readManifests(file: string): Manifest[] {
  return readYamlDocuments(file).map((doc, i) => {
    const o = doc as Partial<Manifest>;
    if (
      typeof o.apiVersion !== 'string' ||
      typeof o.kind !== 'string' ||
      typeof o.metadata?.name !== 'string'
    ) {
      throw new Error(`${file} document ${i}: not a Kubernetes object (apiVersion, kind, metadata.name)`);
    }
    return { ...(o as Manifest), file: path.basename(file) };
  });
}

/** infra/k8s/*.yaml except kustomization.yaml (not a Kubernetes API object). */
export function k8sManifestFiles(dir = K8S_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
    .sort()
    .map((f) => path.join(dir, f));
}

type ModelClass = new (data: unknown) => { validate(): void };

/**
 * Validate one object against its kind's schema; throws (with the failing paths) when it does not conform. The model
 * class comes from `kubernetes-models/<group>/<version>` (`v1` → core).
 */
export async function validateManifest(m: Pick<Manifest, 'apiVersion' | 'kind'>): Promise<void> {
  const [group, version] = m.apiVersion.includes('/') ? m.apiVersion.split('/') : [undefined, m.apiVersion];
  const modulePath = group ? `kubernetes-models/${group}/${version}` : `kubernetes-models/${version}`;
  let mod: Record<string, unknown>;
  try {
    mod = (await import(modulePath)) as Record<string, unknown>;
  } catch {
    throw new Error(`no schema for apiVersion ${m.apiVersion}`);
  }
  const Model = mod[m.kind] as ModelClass | undefined;
  if (typeof Model !== 'function') throw new Error(`no schema for ${m.apiVersion} ${m.kind}`);
  const { file: _file, ...data } = m as Manifest;
  new Model(data).validate();
}
