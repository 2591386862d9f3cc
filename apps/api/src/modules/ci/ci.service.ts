import { Inject, Injectable } from '@nestjs/common';
import type {
  BaselineVerdict,
  EvaluateRunRequest,
  LoadPointSummary,
  RegressionCheck,
  RunEvaluation,
  StoredPointSummary,
  ThresholdVerdict,
} from '@inferbench/contracts';
import {
  decodeFigures,
  histogramValues,
  judgeRegression,
  judgeThreshold,
  LATENCY_METRICS,
  parseRegressionRule,
  parseThresholds,
  thresholdApplies,
  type FigureAccumulator,
  type RegressionRule,
  type RegressionSide,
  type SummaryFigure,
} from '@inferbench/metrics';
import { AppError } from '../../common/errors/app-error.js';
import { asJson } from '../../common/json.js';
import { ExperimentsService } from '../experiments/experiments.service.js';
import { RunRecordsService, type RunWithPointsRow } from '../runs/run-records.service.js';

const FIGURES = Object.values(LATENCY_METRICS) as SummaryFigure[];

type Point = RunWithPointsRow['loadPoints'][number];

/** A measured point's summary; null for none or an aggregates-only imported one (its figures are partial). */
function fullSummary(s: StoredPointSummary | null): LoadPointSummary | null {
  return s === null || 'aggregatesOnly' in s ? null : s;
}

/** Load points only (eval work items, where the run has any, are judged by the evals module). */
function loadPoints(run: RunWithPointsRow): Point[] {
  return run.loadPoints.filter((p) => !('kind' in p) || (p as { kind?: unknown }).kind === 'load');
}

/**
 * CI judgement of a run (`POST /runs/:id/evaluate`): k6-style thresholds per load point and the baseline regression
 * gate, with the math of `@inferbench/metrics` (thresholds.ts) over the stored summaries and histograms. The last
 * evaluation is stored with the run (through the runs module, which owns the table). Owns no table.
 */
@Injectable()
export class CiService {
  constructor(
    @Inject(RunRecordsService) private readonly runs: RunRecordsService,
    @Inject(ExperimentsService) private readonly experiments: ExperimentsService,
  ) {}

  async evaluate(runId: string, body: EvaluateRunRequest): Promise<RunEvaluation> {
    const { thresholds, errors } = parseThresholds(body.thresholds);
    const rules: RegressionRule[] = [];
    const issues = errors.map((message) => ({ path: 'thresholds', message }));
    for (const [key, pct] of Object.entries(body.baseline?.maxRegression ?? {})) {
      const r = parseRegressionRule(key, pct);
      if (typeof r === 'string') issues.push({ path: `baseline.maxRegression.${key}`, message: r });
      else rules.push(r);
    }
    if (issues.length) throw AppError.validation(issues, 'invalid thresholds or regression rules');

    const run = await this.runs.findRun(runId);
    if (!run) throw AppError.notFound('run', runId);
    const points = loadPoints(run);
    const sides = await this.sides(points);

    const verdicts: ThresholdVerdict[] = [];
    for (const p of points) {
      const side = sides.get(p.id);
      for (const t of thresholds) {
        if (!thresholdApplies(t, p.variantLabel, p.levelLabel)) continue;
        const base = {
          metric: t.key,
          threshold: t.expression,
          loadPointId: p.id,
          variantLabel: p.variantLabel,
          levelLabel: p.levelLabel,
          bound: t.bound,
          unit: t.unit,
          abortOnFail: t.abortOnFail,
        };
        if (!side) {
          verdicts.push({ ...base, observed: null, pass: false, note: `no data (point ${p.status})` });
          continue;
        }
        const r = judgeThreshold(t, histogramValues(side.summary, side.figures));
        verdicts.push({
          ...base,
          observed: r.observed ?? null,
          pass: r.pass,
          note: r.observed === undefined ? 'no data' : null,
        });
      }
    }

    const baseline = body.baseline
      ? await this.baselineGate(run, points, sides, body.baseline.runId, rules)
      : null;
    const evaluation: RunEvaluation = {
      runId,
      evaluatedAt: new Date().toISOString(),
      runStatus: run.status,
      pass: verdicts.every((v) => v.pass) && (baseline?.pass ?? true) && body.abortedBy === undefined,
      thresholds: verdicts,
      baseline,
      abortedBy: body.abortedBy ?? null,
      spec: body.thresholds,
    };
    if (body.store) await this.runs.storeEvaluation(runId, asJson(evaluation));
    return evaluation;
  }

  /** Summary and decoded histograms of every point that has a full summary. */
  private async sides(points: readonly Point[]): Promise<Map<string, RegressionSide>> {
    const withSummary = points.filter((p) => fullSummary(p.summary) !== null);
    const hist = await this.runs.findHistogramsOf(withSummary.map((p) => p.id));
    const out = new Map<string, RegressionSide>();
    for (const p of withSummary) {
      const figures: ReadonlyMap<SummaryFigure, FigureAccumulator> = decodeFigures(
        hist.get(p.id) ?? null,
        FIGURES,
      );
      out.set(p.id, { summary: fullSummary(p.summary)!, figures });
    }
    return out;
  }

  private async baselineGate(
    run: RunWithPointsRow,
    points: readonly Point[],
    sides: Map<string, RegressionSide>,
    requestedId: string | undefined,
    rules: readonly RegressionRule[],
  ): Promise<BaselineVerdict> {
    const baselineRunId = requestedId ?? (await this.experiments.getRow(run.experimentId)).baselineRunId;
    const skip = (why: string): BaselineVerdict => ({ baselineRunId, skipped: why, pass: true, checks: [] });
    if (!baselineRunId) return skip('the experiment has no baseline run');
    if (baselineRunId === run.id) return skip('this run is the baseline');
    const base = await this.runs.findRun(baselineRunId);
    if (!base) throw AppError.validation([{ path: 'baseline.runId', message: `no run '${baselineRunId}'` }]);
    if (base.experimentId !== run.experimentId)
      throw AppError.validation([
        { path: 'baseline.runId', message: `run '${baselineRunId}' belongs to another experiment` },
      ]);
    const basePoints = loadPoints(base);
    const baseSides = await this.sides(basePoints);
    const checks: RegressionCheck[] = [];
    for (const p of points) {
      const cur = sides.get(p.id);
      // the first finalized point of the same variant × level (adaptive plans may repeat a level)
      const bp = basePoints.find(
        (b) => b.variantLabel === p.variantLabel && b.levelLabel === p.levelLabel && baseSides.has(b.id),
      );
      for (const rule of rules) {
        const head = {
          rule: rule.key,
          variantLabel: p.variantLabel,
          levelLabel: p.levelLabel,
          tolerancePct: rule.tolerancePct,
        };
        if (!cur || !bp) {
          checks.push({
            ...head,
            unit: '',
            baseline: null,
            current: null,
            worsePct: null,
            beyondNoise: null,
            baselineCi: null,
            currentCi: null,
            pass: true,
            note: !bp ? 'no matching point in the baseline run' : `no data (point ${p.status})`,
          });
          continue;
        }
        const o = judgeRegression(rule, baseSides.get(bp.id)!, cur);
        checks.push({
          ...head,
          unit: o.unit,
          baseline: o.baseline ?? null,
          current: o.current ?? null,
          worsePct: o.worsePct === undefined || !Number.isFinite(o.worsePct) ? null : o.worsePct,
          beyondNoise: o.beyondNoise,
          baselineCi: o.baselineCi,
          currentCi: o.currentCi,
          pass: o.pass,
          note: o.note,
        });
      }
    }
    return { baselineRunId, skipped: null, pass: checks.every((c) => c.pass), checks };
  }
}
