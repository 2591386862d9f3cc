import { Inject, Injectable } from '@nestjs/common';
import type { PointRow } from '../runs.repository.js';
import { EvalWorkItemKind } from './eval-work-item.js';
import { ImportWorkItemKind } from './import-work-item.js';
import { LoadWorkItemKind } from './load-work-item.js';
import type { WorkItemKind, WorkItemKindName } from './work-item-kind.js';

/**
 * The registry of work-item kinds. A new kind is one class implementing {@link WorkItemKind} plus one constructor
 * parameter here; the lifecycle use cases only ever call `of(item)` / `get(name)`.
 */
@Injectable()
export class WorkItemKinds {
  private readonly kinds: ReadonlyMap<WorkItemKindName, WorkItemKind>;

  constructor(
    @Inject(LoadWorkItemKind) load: LoadWorkItemKind,
    @Inject(ImportWorkItemKind) imported: ImportWorkItemKind,
    @Inject(EvalWorkItemKind) evaluated: EvalWorkItemKind,
  ) {
    this.kinds = new Map<WorkItemKindName, WorkItemKind>([load, imported, evaluated].map((k) => [k.name, k]));
  }

  /** Every registered kind. */
  all(): WorkItemKind[] {
    return [...this.kinds.values()];
  }

  get(name: WorkItemKindName): WorkItemKind {
    const kind = this.kinds.get(name);
    if (!kind) throw new Error(`no work-item kind '${name}'`);
    return kind;
  }

  /** The kind of a stored item (`LoadPoint.kind`; an item with `imported` is an import). */
  of(item: Pick<PointRow, 'imported' | 'kind'>): WorkItemKind {
    return this.get(kindOf(item));
  }
}

/** The kind of a stored work item. */
export function kindOf(item: Pick<PointRow, 'imported' | 'kind'>): WorkItemKindName {
  if (item.imported !== null) return 'import';
  return item.kind === 'eval' ? 'eval' : 'load';
}
