import { loadSuiteCatalog } from '../../features/suites/catalog.server';

/**
 * `GET /suite-catalog`: the built-in eval suites (tasks, item counts, scoring, metrics, version hashes, YAML),
 * read on the server with `@inferbench/evals`; the suites page and the experiment form's eval section use it.
 */
export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

export async function GET(): Promise<Response> {
  return Response.json(await loadSuiteCatalog());
}
