/**
 * Prisma's schema engine as WebAssembly, driven through the pg driver adapter. The Prisma CLI would
 * download a native engine on almost every command, which cannot work offline; this runs the same
 * engine code shipped on npm. `applyMigrations` is `prisma migrate deploy` (same _prisma_migrations
 * table, same SQL), so machines with the native engine can still use the Prisma CLI on this folder.
 */
import { readFile, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import pg from 'pg';

const require = createRequire(import.meta.url);

// The wasm-bindgen "bundler" entry imports the .wasm file directly, which Node cannot; instantiate by hand.
type EngineModule = typeof import('@prisma/schema-engine-wasm');
interface WasmApi {
  instantiate(
    bytes: Uint8Array,
    imports: Record<string, unknown>,
  ): Promise<{ instance: { exports: unknown } }>;
}
let enginePromise: Promise<EngineModule> | undefined;
async function loadEngineModule(): Promise<EngineModule> {
  enginePromise ??= (async () => {
    const bgPath = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
    const bg = (await import(bgPath)) as EngineModule & { __wbg_set_wasm(x: unknown): void };
    const bytes = await readFile(path.join(path.dirname(bgPath), 'schema_engine_bg.wasm'));
    // `WebAssembly` is a Node global that @types/node does not declare under lib ES2023.
    const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
    const { instance } = await wasmApi.instantiate(bytes, { './schema_engine_bg.js': bg });
    bg.__wbg_set_wasm(instance.exports);
    (instance.exports as { __wbindgen_start?: () => void }).__wbindgen_start?.();
    return bg;
  })();
  return enginePromise;
}

export const PRISMA_DIR = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../../prisma');
export const MIGRATIONS_DIR = path.join(PRISMA_DIR, 'migrations');
export const SCHEMA_PATH = path.join(PRISMA_DIR, 'schema.prisma');

export async function listMigrations(baseDir = MIGRATIONS_DIR) {
  const entries = (await readdir(baseDir, { withFileTypes: true }).catch(() => []))
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const migrationDirectories = await Promise.all(
    entries.map(async (name) => {
      const content = await readFile(path.join(baseDir, name, 'migration.sql'), 'utf8')
        .then((ok) => ({ tag: 'ok' as const, value: ok }))
        .catch((e: Error) => ({ tag: 'error' as const, value: e.message }));
      return { path: name, migrationFile: { path: 'migration.sql', content } };
    }),
  );
  const lockContent = await readFile(path.join(baseDir, 'migration_lock.toml'), 'utf8').catch(() => null);
  return {
    baseDir,
    lockfile: { path: 'migration_lock.toml', content: lockContent },
    shadowDbInitScript: '',
    migrationDirectories,
  };
}

/**
 * Open a schema engine connected to `databaseUrl`. Call `close()` when done: it frees the engine and
 * ends its pg pool (an open connection would block `CREATE DATABASE ... TEMPLATE` of this database).
 */
export async function openSchemaEngine(databaseUrl: string) {
  const mod = await loadEngineModule();
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  const factory = bindMigrationAwareSqlAdapterFactory(new PrismaPg(pool) as never);
  const schema = await readFile(SCHEMA_PATH, 'utf8');
  const engine = await mod.SchemaEngine.new(
    { datamodels: [[SCHEMA_PATH, schema]] },
    (log: string) => {
      if (process.env.PRISMA_ENGINE_DEBUG) process.stderr.write(`${log}\n`);
    },
    factory,
  );
  return {
    engine,
    async close() {
      engine.free();
      await pool.end();
    },
  };
}

/** `prisma migrate deploy`: apply every migration in prisma/migrations not yet applied. Returns applied names. */
export async function applyMigrations(databaseUrl: string): Promise<string[]> {
  const { engine, close } = await openSchemaEngine(databaseUrl);
  try {
    const out = await engine.applyMigrations({
      migrationsList: await listMigrations(),
      filters: { externalTables: [], externalEnums: [] },
    });
    return out.appliedMigrationNames;
  } finally {
    await close();
  }
}
