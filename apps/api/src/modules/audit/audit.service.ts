import { Inject, Injectable } from '@nestjs/common';
import type { AuditList } from '@inferbench/contracts';
import type { UserPrincipal } from '../../common/auth/principal.js';
import { ExperimentsService } from '../experiments/experiments.service.js';
import { RunRecordsService } from '../runs/run-records.service.js';
import { AuditRepository } from './audit.repository.js';

/** Names of the writes people look for in an experiment's history; other writes are named `METHOD /route`. */
const ACTIONS: Record<string, string> = {
  'POST /experiments/:id/runs': 'run.start',
  'POST /runs/:id/cancel': 'run.cancel',
  'DELETE /experiments/:id': 'experiment.delete',
  'DELETE /targets/:id': 'target.delete',
  'PUT /experiments/:id/baseline': 'baseline.set',
  'PATCH /runs/:id': 'run.tags',
  'POST /runs/:id/comments': 'comment.add',
  'POST /experiments/:id/comments': 'comment.add',
  'POST /experiments': 'experiment.create',
  'PATCH /experiments/:id': 'experiment.update',
  'POST /experiments/:id/archive': 'experiment.archive',
  'POST /experiments/:id/unarchive': 'experiment.unarchive',
  'POST /experiments/:id/clone': 'experiment.clone',
  'POST /imports': 'run.import',
};

export interface AuditInput {
  principal: UserPrincipal;
  method: string;
  /** route pattern, e.g. /runs/:id/cancel */
  route: string;
  /** the request's path */
  path: string;
  params: Record<string, string>;
  /** the handler's answer (for ids it created) */
  result: unknown;
}

function idField(result: unknown, key: string): string | null {
  if (typeof result !== 'object' || result === null) return null;
  const v = (result as Record<string, unknown>)[key];
  return typeof v === 'string' ? v : null;
}

/**
 * The audit log: who did which write, when. Every successful write through the API is recorded by the audit
 * interceptor (so routes other modules add are covered too), linked to its experiment and run when the route
 * or its answer names them; `GET /experiments/:id/audit` lists an experiment's entries.
 */
@Injectable()
export class AuditService {
  constructor(
    @Inject(AuditRepository) private readonly repo: AuditRepository,
    @Inject(RunRecordsService) private readonly runs: RunRecordsService,
    @Inject(ExperimentsService) private readonly experiments: ExperimentsService,
  ) {}

  async record(input: AuditInput): Promise<void> {
    const key = `${input.method} ${input.route}`;
    const action = ACTIONS[key] ?? key;
    const id = input.params.id ?? null;
    let experimentId: string | null = null;
    let runId: string | null = null;
    if (input.route.startsWith('/experiments/:id')) experimentId = id;
    else if (input.route.startsWith('/runs/:id')) runId = id;
    if (action === 'run.start' || action === 'run.import') runId = idField(input.result, 'id');
    if (action === 'experiment.create' || action === 'experiment.clone')
      experimentId = idField(input.result, 'id');
    experimentId ??= idField(input.result, 'experimentId');
    if (runId && !experimentId) experimentId = (await this.runs.findRunTags(runId))?.experimentId ?? null;
    if (action === 'run.start' && runId) await this.runs.setStartedBy(runId, input.principal.name);
    await this.repo.insert({
      actorId: input.principal.id,
      actor: input.principal.name,
      action,
      method: input.method,
      path: input.path.split('?')[0]!.slice(0, 500),
      targetId: id,
      experimentId,
      runId,
    });
  }

  async listForExperiment(experimentId: string, limit: number): Promise<AuditList> {
    // 404 for an unknown experiment that never had entries; a deleted one keeps its history readable
    const rows = await this.repo.listForExperiment(experimentId, limit);
    if (rows.length === 0) await this.experiments.getRow(experimentId);
    return {
      items: rows.map((r) => ({
        id: r.id,
        at: r.at.toISOString(),
        actor: r.actor,
        actorId: r.actorId,
        action: r.action,
        method: r.method,
        path: r.path,
        targetId: r.targetId,
        experimentId: r.experimentId,
        runId: r.runId,
      })),
    };
  }
}
