import { describe, expect, it } from 'vitest';
import { listMigrations } from './engine.js';

describe('migrations folder', () => {
  it('lists the committed migrations in order with their SQL', async () => {
    const list = await listMigrations();
    expect(list.migrationDirectories.length).toBeGreaterThanOrEqual(1);
    const first = list.migrationDirectories[0]!;
    expect(first.path).toMatch(/^\d{14}_init$/);
    expect(first.migrationFile.content.tag).toBe('ok');
    expect(String(first.migrationFile.content.value)).toContain('CREATE TABLE "RequestSample"');
    expect(list.lockfile.content).toContain('postgresql');
  });
});
