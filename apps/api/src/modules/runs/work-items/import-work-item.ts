import { Injectable } from '@nestjs/common';
import type { LoadLevel, RunSpec } from '@inferbench/contracts';
import type { ItemOutcome, PlannedItem, WorkItemKind } from './work-item-kind.js';

/**
 * Points of an imported run (`LoadPoint.imported` set): created completed, with their summary, by the import (see
 * `RunsService.recordImportedRun`). The lifecycle never has anything to do with them.
 */
@Injectable()
export class ImportWorkItemKind implements WorkItemKind {
  readonly name = 'import' as const;

  expand(_spec: RunSpec): PlannedItem[] {
    return [];
  }

  async grow(): Promise<LoadLevel | null> {
    return null;
  }

  async shards(): Promise<number> {
    return 1;
  }

  async dispatch(): Promise<string | null> {
    return 'an imported point is never run';
  }

  async withdraw(): Promise<void> {}

  async deliveredBatches(): Promise<number> {
    return 0;
  }

  async finalize(): Promise<ItemOutcome | null> {
    return null;
  }
}
