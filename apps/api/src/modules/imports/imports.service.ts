import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  describeLoadLevel,
  type AggregatesOnlySummary,
  type CreateImportRequest,
  type ImportSource,
  type LoadLevel,
  type LoadPointSummary,
  type OptimizationDescriptor,
  type Run,
  type RunExportQuery,
  type RunSpec,
  type StoredPointSummary,
} from '@inferbench/contracts';
import {
  importedLoadLevel,
  importResultFile,
  importSourceLabel,
  InteropError,
  loadPlanToK6Script,
  storedImportedPoint,
  summariesToCsv,
  toVllmResult,
  type CsvRow,
  type ImportResult,
} from '@inferbench/interop';
import { AppError } from '../../common/errors/app-error.js';
import { asJson } from '../../common/json.js';
import { PrismaService, type Tx } from '../../infra/prisma/prisma.service.js';
import { ExperimentsService } from '../experiments/experiments.service.js';
import { countedShards, RunRecordsService } from '../runs/run-records.service.js';
import { RunsService } from '../runs/runs.service.js';
import { SamplesService } from '../samples/samples.service.js';
import { TargetsService } from '../targets/targets.service.js';
import { ImportsRepository } from './imports.repository.js';

/** A downloadable answer: bytes (or text), its media type and file name. */
export interface Download {
  body: string | Uint8Array;
  contentType: string;
  fileName: string;
}

const MEDIA_TYPES: [RegExp, string][] = [
  [/\.json$/i, 'application/json'],
  [/\.jsonl$/i, 'application/x-ndjson'],
  [/\.ya?ml$/i, 'application/yaml'],
  [/\.csv$/i, 'text/csv'],
];

/** Percentiles written into exported vLLM results (vLLM's `--metric-percentiles 50,90,95,99,99.9`). */
const VLLM_EXPORT_PERCENTILES = [50, 90, 95, 99, 99.9];

/** Model id of an imported file, from the metadata keys the importers keep (vLLM `model_id`, others `model`). */
function modelOf(r: ImportResult): string | undefined {
  for (const k of ['model_id', 'model']) {
    const v = r.metadata[k];
    if (typeof v === 'string' && v.trim()) return v.trim().slice(0, 300);
  }
  return undefined;
}

/** A base URL the file states (http(s) only), else `imported://<tool>`: the placeholder target cannot be run. */
function baseUrlOf(r: ImportResult): string {
  for (const k of ['base_url', 'target', 'url']) {
    const v = r.metadata[k];
    if (typeof v === 'string' && /^https?:\/\/\S+$/.test(v)) return v.slice(0, 2000);
  }
  return `imported://${r.tool}`;
}

function summaryOf(
  s: StoredPointSummary | null,
): { full: LoadPointSummary } | { aggregates: AggregatesOnlySummary } | null {
  if (s === null) return null;
  return 'aggregatesOnly' in s ? { aggregates: s } : { full: s };
}

/** vLLM result metadata that says what load a point ran, so importing the export lines the point up again. */
function vllmLoadKeys(l: LoadLevel): Record<string, unknown> {
  if (l.kind === 'concurrency') return { request_rate: 'inf', max_concurrency: l.concurrency };
  if (l.kind === 'rate') {
    return {
      request_rate: l.rate,
      ...(l.arrival === 'poisson' ? { burstiness: 1 } : {}),
      ...(l.arrival === 'gamma' && l.burstiness !== undefined ? { burstiness: l.burstiness } : {}),
      ...(l.maxConcurrency !== undefined ? { max_concurrency: l.maxConcurrency } : {}),
    };
  }
  return {};
}

/**
 * Interop use cases: import another tool's result file as a completed run (one transaction: variant and
 * placeholder target when missing, run, points, rebuilt samples, original file), download that file, export a
 * run as vLLM result JSON or CSV, and an experiment as a k6 script.
 */
@Injectable()
export class ImportsService {
  constructor(
    @Inject(ImportsRepository) private readonly repo: ImportsRepository,
    @Inject(SamplesService) private readonly samples: SamplesService,
    @Inject(PrismaService) private readonly prisma: PrismaService,
    @Inject(ExperimentsService) private readonly experiments: ExperimentsService,
    @Inject(TargetsService) private readonly targets: TargetsService,
    @Inject(RunsService) private readonly runs: RunsService,
    @Inject(RunRecordsService) private readonly runRecords: RunRecordsService,
  ) {}

  /** Read the file (400 naming the tool and field when it cannot be imported), then store it in one transaction. */
  async importFile(body: CreateImportRequest): Promise<Run> {
    const result = this.parse(body);
    if (result.points.length === 0) {
      throw AppError.validation(
        [{ path: 'content', message: `${result.tool} file holds no load point` }],
        `${result.tool} file holds no load point`,
      );
    }
    const stored = result.points.map((p) => ({ point: p, stored: storedImportedPoint(p) }));
    const variantLabel = body.variantLabel ?? result.tool;
    const source: ImportSource = {
      tool: result.tool,
      toolVersion: result.toolVersion ?? null,
      format: result.format,
      fileName: body.fileName,
      detectedBy: result.detectedBy,
      metadata: result.metadata,
      warnings: result.warnings,
      label: importSourceLabel(result),
    };
    const bytes = Buffer.from(body.content, 'utf8');
    const content = new Uint8Array(bytes.byteLength);
    content.set(bytes);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const mediaType = MEDIA_TYPES.find(([re]) => re.test(body.fileName))?.[1] ?? 'text/plain';

    const runId = await this.prisma.transaction(
      async (tx) => {
        const experimentId = await this.resolveExperimentId(body, tx);
        const exp = await this.experiments.getRow(experimentId, tx);
        let variant = await this.experiments.findVariantByLabel(experimentId, variantLabel, tx);
        if (!variant) {
          const model = modelOf(result);
          const targetId = await this.targets.upsertPlaceholderTarget(
            {
              name: `imported: ${result.tool}${model ? ` ${model}` : ''}`.slice(0, 200),
              baseUrl: baseUrlOf(result),
              model: model ?? 'unknown',
            },
            tx,
          );
          const optimization: OptimizationDescriptor = {
            ...(result.tool === 'vllm' ? { engine: 'vllm' } : {}),
            ...(result.tool === 'vllm' && result.toolVersion
              ? { engineVersion: result.toolVersion.slice(0, 100) }
              : {}),
            ...(model ? { model } : {}),
            features: {},
            notes: `created by importing ${result.tool} result file ${body.fileName}`.slice(0, 5000),
          };
          const id = await this.experiments.appendVariant(
            experimentId,
            { label: variantLabel, targetId, optimization: asJson(optimization) },
            tx,
          );
          variant = { id, targetId };
        }
        const frozen = (await this.targets.getFrozenTargets([variant.targetId], tx)).get(variant.targetId);
        if (!frozen) throw new Error(`target ${variant.targetId} of variant ${variant.id} vanished`);
        const row = exp.variants.find((v) => v.id === variant.id);
        const spec: RunSpec = {
          v: 1,
          experiment: { id: exp.id, name: exp.name, description: exp.description, tags: exp.tags },
          workload: exp.workload,
          loadPlan: exp.loadPlan,
          slo: exp.slo,
          variants: [
            {
              id: variant.id,
              label: variantLabel,
              optimization: row?.optimization ?? { features: {} },
              params: row?.params ?? {},
              target: frozen,
            },
          ],
        };
        const created = await this.runRecords.recordImportedRun(
          {
            experimentId,
            variantId: variant.id,
            variantLabel,
            source: asJson(source),
            spec: asJson(spec),
            metadata: { importedFrom: body.fileName.slice(0, 255) },
            points: stored.map(({ point, stored: s }, ordinal) => {
              const level = importedLoadLevel(point);
              return {
                ordinal,
                level: asJson(level ?? { kind: 'concurrency', concurrency: 1 }),
                // a level the file states is labelled as ours (`c=8`) so it lines up with measured points
                levelLabel: level ? describeLoadLevel(level) : point.label,
                summary: asJson(s.summary),
                histograms: s.histograms,
                imported: asJson(
                  level ? s.info : { ...s.info, flags: [...s.info.flags, UNKNOWN_LEVEL_FLAG] },
                ),
                samplesStored: s.detail === 'samples' ? point.rebuilt!.samples.length : 0,
              };
            }),
          },
          tx,
        );
        await this.repo.createImportFile(
          created.runId,
          { fileName: body.fileName, mediaType, sha256, content },
          tx,
        );
        for (const [i, { point, stored: s }] of stored.entries()) {
          if (s.detail === 'samples')
            await this.samples.insertImported(created.pointIds[i]!, point.rebuilt!.samples, tx);
        }
        return created.runId;
      },
      { timeoutMs: 120_000 },
    );
    return this.runs.getRun(runId);
  }

  /** The original file of an imported run, byte for byte; 409 for a run that was measured, not imported. */
  async getImportFile(runId: string): Promise<Download & { sha256: string }> {
    const file = await this.repo.findImportFile(runId);
    if (!file) {
      if (!(await this.runRecords.findRunTags(runId))) throw AppError.notFound('run', runId);
      throw AppError.conflict(`run '${runId}' was not imported: it has no original file`);
    }
    return { body: file.content, contentType: file.mediaType, fileName: file.fileName, sha256: file.sha256 };
  }

  /**
   * A run as vLLM result JSON (one object per point with a full summary, JSON lines when several; per-request
   * arrays from the stored samples) or as a CSV of summaries (aggregates-only points included with the figures
   * their file holds). 409 when nothing can be exported.
   */
  async exportRun(runId: string, query: RunExportQuery): Promise<Download> {
    const run = await this.runRecords.findRun(runId);
    if (!run) throw AppError.notFound('run', runId);
    // eval work items are exported with the evals, not as load points
    let points = run.loadPoints.filter((p) => p.kind !== 'eval');
    if (query.point !== undefined) {
      points = points.filter((p) => p.ordinal === query.point);
      if (!points.length) throw AppError.notFound('load point', `${runId}#${query.point}`);
    }
    const withSummary = points.flatMap((p) => {
      const s = summaryOf(p.summary);
      return s ? [{ p, s }] : [];
    });
    const base = `run-${runId}${query.point !== undefined ? `-point-${query.point}` : ''}`;
    if (query.format === 'csv') {
      if (!withSummary.length) throw AppError.conflict(`run '${runId}' has no finished load point to export`);
      const rows: CsvRow[] = withSummary.map(({ p, s }) => ({
        label: `${p.variantLabel} · ${p.levelLabel}`,
        summary: 'full' in s ? s.full : s.aggregates,
        columns: {
          run: runId,
          ordinal: p.ordinal,
          variant: p.variantLabel,
          level: p.levelLabel,
          detail: 'full' in s ? 'samples' : 'aggregates only',
        },
      }));
      return { body: summariesToCsv(rows), contentType: 'text/csv; charset=utf-8', fileName: `${base}.csv` };
    }
    const full = withSummary.flatMap(({ p, s }) => ('full' in s ? [{ p, summary: s.full }] : []));
    if (!full.length) {
      throw AppError.conflict(
        withSummary.length
          ? `run '${runId}' holds only aggregates-only imported points, which have no vLLM form: download the original file (GET /runs/${runId}/import-file)`
          : `run '${runId}' has no finished load point to export`,
      );
    }
    const objects: Record<string, unknown>[] = [];
    for (const { p, summary } of full) {
      const variant = run.spec.variants.find((v) => v.label === p.variantLabel);
      const samples = await this.samples.countedSamples(p.id, countedShards(p));
      objects.push(
        toVllmResult(summary, samples.length ? samples : undefined, {
          percentiles: VLLM_EXPORT_PERCENTILES,
          metadata: {
            date: new Date().toISOString(),
            backend: 'inferbench',
            label: `${run.experimentName} · ${p.variantLabel} · ${p.levelLabel}`,
            ...(variant ? { model_id: variant.target.model, tokenizer_id: variant.target.model } : {}),
            ...vllmLoadKeys(p.level),
          },
        }),
      );
    }
    if (objects.length === 1)
      return {
        body: `${JSON.stringify(objects[0])}\n`,
        contentType: 'application/json; charset=utf-8',
        fileName: `${base}.vllm.json`,
      };
    return {
      body: objects.map((o) => `${JSON.stringify(o)}\n`).join(''),
      contentType: 'application/x-ndjson; charset=utf-8',
      fileName: `${base}.vllm.jsonl`,
    };
  }

  /** The experiment's plan, variants and SLO as a runnable k6 script (409 for plans k6 cannot express). */
  async k6Script(experimentId: string): Promise<Download> {
    const exp = await this.experiments.getRow(experimentId);
    const first = exp.variants[0];
    if (!first) throw AppError.conflict(`experiment '${experimentId}' has no variant`);
    const target = (await this.targets.getFrozenTargets([first.targetId])).get(first.targetId);
    if (!target) throw AppError.conflict(`the target of variant '${first.label}' no longer exists`);
    const same = exp.variants.filter((v) => v.targetId === first.targetId);
    const others = exp.variants.filter((v) => v.targetId !== first.targetId);
    let script: string;
    try {
      script = loadPlanToK6Script({
        plan: exp.loadPlan,
        target: { baseUrl: target.baseUrl, model: target.model, apiKind: target.apiKind },
        variants: same.map((v) => ({ label: v.label, params: v.params })),
        ...(exp.slo ? { slo: exp.slo } : {}),
      });
    } catch (err) {
      throw AppError.conflict(`the experiment cannot be written as a k6 script: ${(err as Error).message}`);
    }
    if (others.length) {
      script =
        `// Not included: variants on other targets (one k6 script targets one server): ${others
          .map((v) => v.label)
          .join(', ')}\n` + script;
    }
    const safe = exp.name.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 80) || 'experiment';
    return { body: script, contentType: 'text/javascript; charset=utf-8', fileName: `${safe}.k6.js` };
  }

  private parse(body: CreateImportRequest): ImportResult {
    try {
      return importResultFile(body.content, {
        ...(body.tool ? { tool: body.tool } : {}),
        fileName: body.fileName,
      });
    } catch (err) {
      if (err instanceof InteropError) {
        throw new AppError('VALIDATION_FAILED', err.message, {
          issues: [{ path: err.field ? `content.${err.field}` : 'content', message: err.message }],
          tool: err.tool,
          field: err.field ?? null,
        });
      }
      // an importer tripping over a shape it did not expect is still a bad file, never a server error
      const message = `${body.tool ?? 'the'} file cannot be read: ${(err as Error).message}`;
      throw new AppError('VALIDATION_FAILED', message, {
        issues: [{ path: 'content', message }],
        tool: body.tool ?? 'unknown',
        field: null,
      });
    }
  }

  private async resolveExperimentId(body: CreateImportRequest, tx: Tx): Promise<string> {
    if (body.experimentId) return body.experimentId;
    const name = body.experiment!;
    const ids = await this.experiments.findIdsByName(name, tx);
    if (ids.length === 0) throw AppError.notFound('experiment', name);
    if (ids.length > 1)
      throw AppError.conflict(`several experiments are named '${name}': pass experimentId instead`);
    return ids[0]!;
  }
}

const UNKNOWN_LEVEL_FLAG =
  'the file states no load level inferbench can express (e.g. an unbounded rate, or none at all): the point is listed under its file label, and its `level` (c=1) is a placeholder';
