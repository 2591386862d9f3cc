/**
 * Property-based fuzzing of every write route (issue 9: malformed bodies answered 500).
 *
 * The write routes are read from the running app's router (Fastify's route tree), and each one's body schema
 * from the app's OpenAPI document, so a new write route is fuzzed
 * automatically, and the test fails until the route gets an entry in ROUTES below (no generic fallback).
 * Bodies mix: valid-ish bodies generated from the route's zod schema (its JSON Schema in the app's OpenAPI
 * document, built from the schema the route validates with), the same with
 * one field mutated (NUL, unpaired surrogate, wrong type, huge or non-finite number, NaN-like string,
 * runaway nesting, empty string, extra keys, missing field), and arbitrary JSON.
 *
 * For every body: no 5xx; every 400 is the error envelope naming at least one field; every rejected body
 * (any non-2xx) leaves the row count of every table unchanged. Afterwards every GET route reads back the
 * rows the accepted bodies wrote, without a 5xx. FUZZ_RUNS (per body route, default 1000) and FUZZ_SEED
 * reproduce or scale a run.
 */
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { ErrorEnvelopeSchema } from '@inferbench/contracts';
import { AUTH_HEADERS, experimentBody, startTestApi, targetBody, type TestApi } from './helpers.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 1000);
const BODYLESS_RUNS = Math.max(50, Math.round(RUNS / 5));
const SEED = Number(process.env.FUZZ_SEED ?? 20_240_905);
const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

// ---------------------------------------------------------------------------------------------------
// Routes from the router

interface RouteInfo {
  method: string;
  path: string;
}

/**
 * Every (method, path) of Fastify's route tree (`printRoutes` with full segments), but better-auth's own `/auth/*`
 * endpoints (sign-in and sessions: not the API's routes, no OpenAPI schema).
 */
function routesFromRouter(t: TestApi): RouteInfo[] {
  return allRoutes(t).filter((r) => !r.path.startsWith('/auth/'));
}

function allRoutes(t: TestApi): RouteInfo[] {
  const text: string = t.api.app.getHttpAdapter().getInstance().printRoutes({ commonPrefix: false });
  const stack: string[] = [];
  const out: RouteInfo[] = [];
  for (const line of text.split('\n')) {
    const m = /^((?:│ {3}| {4})*)(?:├── |└── )(\S+)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    stack.length = depth;
    stack.push(m[2]!);
    const path = stack.join('').replace(/\/{2,}/g, '/');
    for (const method of (m[3] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean))
      out.push({ method, path });
  }
  return out;
}

/**
 * `METHOD /path` → the JSON Schema of the route's request body in the app's own OpenAPI document (built from
 * the same zod schema the route validates with, `ApiContract({ body })`); null: the route takes no body.
 */
async function bodySchemasFromApp(t: TestApi): Promise<Map<string, JsonSchema | null>> {
  const doc = (await (await t.fetch(`${t.url}/docs/json`)).json()) as {
    paths: Record<
      string,
      Record<string, { requestBody?: { content?: Record<string, { schema?: JsonSchema }> } }>
    >;
  };
  const out = new Map<string, JsonSchema | null>();
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const schema = op.requestBody?.content?.['application/json']?.schema ?? null;
      out.set(`${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`, schema);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Per-route fuzz settings. Every write route needs an entry: the test fails for a route without one.

interface Fixtures {
  targetId: string;
  experimentId: string;
  /** archived and unarchived by the fuzz */
  toggleExperimentId: string;
  runId: string;
  /** a viewer (accounts, issue 12) */
  userId: string;
  tokenId: string;
  agentCredentialId: string;
}

interface RouteFuzz {
  /** the id put in `:id`, or null when the route has none */
  id: ((f: Fixtures) => string) | null;
  /**
   * the handler takes no body: arbitrary JSON bodies are sent (they must be ignored); the fixture id only
   * when `realId` (a DELETE gets bad ids only, so the fixtures stay)
   */
  bodyless?: true;
  realId?: true;
  /** generators for properties of the same name anywhere in the body (ids that must exist) */
  hints?: (f: Fixtures) => Record<string, fc.Arbitrary<unknown>>;
}

const ROUTES: Record<string, RouteFuzz> = {
  'POST /targets': { id: null },
  'PATCH /targets/:id': { id: (f) => f.targetId },
  'DELETE /targets/:id': { id: (f) => f.targetId, bodyless: true },
  'POST /experiments': { id: null, hints: (f) => ({ targetId: fc.constant(f.targetId) }) },
  'PATCH /experiments/:id': {
    id: (f) => f.experimentId,
    hints: (f) => ({ targetId: fc.constant(f.targetId) }),
  },
  'DELETE /experiments/:id': { id: (f) => f.experimentId, bodyless: true },
  'POST /experiments/:id/archive': { id: (f) => f.toggleExperimentId, bodyless: true, realId: true },
  'POST /experiments/:id/unarchive': { id: (f) => f.toggleExperimentId, bodyless: true, realId: true },
  'POST /experiments/:id/clone': { id: (f) => f.experimentId },
  'PUT /experiments/:id/baseline': {
    id: (f) => f.experimentId,
    hints: (f) => ({ runId: fc.constantFrom(f.runId, null) }),
  },
  'POST /experiments/:id/comments': { id: (f) => f.experimentId },
  'POST /experiments/:id/runs': { id: (f) => f.experimentId },
  'PATCH /runs/:id': { id: (f) => f.runId },
  'POST /runs/:id/cancel': { id: (f) => f.runId, bodyless: true, realId: true },
  'POST /runs/:id/evaluate': { id: (f) => f.runId },
  'POST /runs/:id/comments': { id: (f) => f.runId },
  'POST /runs/:id/evals/rescore': { id: (f) => f.runId },
  'POST /imports': { id: null, hints: (f) => ({ experimentId: fc.constant(f.experimentId) }) },
  'POST /users': { id: null },
  'PATCH /users/:id': { id: (f) => f.userId },
  'POST /tokens': { id: null, hints: (f) => ({ userId: fc.constant(f.userId) }) },
  'DELETE /tokens/:id': { id: (f) => f.tokenId, bodyless: true },
  'POST /agent-credentials': { id: null },
  'DELETE /agent-credentials/:id': { id: (f) => f.agentCredentialId, bodyless: true },
};

/** Path ids that are not the fixture's: unknown, too long, NUL, control and non-ASCII characters. */
const BAD_IDS = [
  'does-not-exist',
  'x'.repeat(65),
  'a\u0000b',
  '\u0000',
  'tab\there',
  'ünïcødé-🙂',
  '..',
  '%',
  ' ',
];
const BAD_RAW_IDS = ['%ED%A0%80', '%C0%80', '%FF', '%00'];

// ---------------------------------------------------------------------------------------------------
// Valid-ish bodies from the schema (through its JSON Schema), mutations, arbitrary JSON

type JsonSchema = Record<string, unknown>;

/**
 * JSON written verbatim: numbers JSON.stringify cannot write (`1e400`, which JSON.parse turns into Infinity)
 * and runaway nesting (kept as text so that neither fast-check's reporting nor cloning recurses into it).
 */
class RawJson {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text.length > 80 ? `${this.text.slice(0, 40)}…(${this.text.length} chars)` : this.text;
  }
}

const URLS = ['http://127.0.0.1:9/v1', 'https://example.com/v1', 'http://[::1]:8000/x?y=1#z'];

function stringArb(s: JsonSchema): fc.Arbitrary<string> {
  if (typeof s.pattern === 'string') return fc.stringMatching(new RegExp(s.pattern));
  if (s.format === 'uri') return fc.constantFrom(...URLS);
  const minLength = (s.minLength as number | undefined) ?? 0;
  const maxLength = Math.min((s.maxLength as number | undefined) ?? 40, minLength + 40);
  // any code point (emoji, RTL, U+FFFF, BOM…): odd but storable text
  return fc.oneof(fc.string({ minLength, maxLength }), fc.string({ unit: 'binary', minLength, maxLength }));
}

function numberArb(s: JsonSchema, integer: boolean): fc.Arbitrary<number> {
  const exMin = s.exclusiveMinimum as number | undefined;
  const exMax = s.exclusiveMaximum as number | undefined;
  let min = (s.minimum as number | undefined) ?? (exMin !== undefined ? exMin : undefined);
  let max = (s.maximum as number | undefined) ?? (exMax !== undefined ? exMax : undefined);
  if (min === undefined) min = max !== undefined ? Math.max(max - 1000, -1000) : -1000;
  if (max === undefined || max > min + 1e6) max = min + (integer ? 1000 : 1000.5);
  if (integer) {
    const lo = Math.ceil(exMin !== undefined && min === exMin ? min + 1 : min);
    const hi = Math.floor(exMax !== undefined && max === exMax ? max - 1 : max);
    return fc.integer({ min: lo, max: Math.max(lo, hi) });
  }
  return fc
    .double({
      min,
      max,
      noNaN: true,
      noDefaultInfinity: true,
      minExcluded: exMin !== undefined,
      maxExcluded: true,
    })
    .map((x) => (Object.is(x, -0) ? 0 : x));
}

function arbFromSchema(
  s: JsonSchema,
  root: JsonSchema,
  hints: Record<string, fc.Arbitrary<unknown>>,
  depth = 0,
): fc.Arbitrary<unknown> {
  if (typeof s.$ref === 'string') {
    const name = s.$ref.replace(/^#\/\$defs\//, '');
    const target = s.$ref === '#' ? root : ((root.$defs as Record<string, JsonSchema>)[name] as JsonSchema);
    return fc.constant(null).chain(() => arbFromSchema(target, root, hints, depth + 1));
  }
  if ('const' in s) return fc.constant(s.const);
  if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as unknown[]));
  const alts = (s.oneOf ?? s.anyOf) as JsonSchema[] | undefined;
  if (alts) return fc.oneof(...alts.map((a) => arbFromSchema(a, root, hints, depth + 1)));
  switch (s.type) {
    case 'string':
      return stringArb(s);
    case 'integer':
      return numberArb(s, true);
    case 'number':
      return numberArb(s, false);
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const minLength = (s.minItems as number | undefined) ?? 0;
      const maxLength = Math.min((s.maxItems as number | undefined) ?? 4, minLength + 3);
      return fc.array(arbFromSchema((s.items ?? {}) as JsonSchema, root, hints, depth + 1), {
        minLength,
        maxLength,
      });
    }
    case 'object': {
      const props = (s.properties ?? {}) as Record<string, JsonSchema>;
      const required = new Set((s.required as string[] | undefined) ?? []);
      const entries = Object.entries(props).map(([k, v]) => {
        const base = arbFromSchema(v, root, hints, depth + 1);
        const arb = hints[k]
          ? fc.oneof({ weight: 9, arbitrary: hints[k] }, { weight: 1, arbitrary: base })
          : base;
        return [k, arb] as const;
      });
      const fixed = fc.record(Object.fromEntries(entries), {
        requiredKeys: entries.map(([k]) => k).filter((k) => required.has(k)),
      });
      if (Object.keys(props).length === 0 && s.additionalProperties) {
        const keys = s.propertyNames
          ? stringArb(s.propertyNames as JsonSchema)
          : fc.string({ maxLength: 12 });
        return fc.dictionary(
          keys,
          arbFromSchema(s.additionalProperties as JsonSchema, root, hints, depth + 1),
          { maxKeys: 4 },
        );
      }
      return fixed;
    }
    default:
      // unconstrained (z.unknown): any JSON
      return fc.jsonValue({ maxDepth: 2 });
  }
}

type Mutation =
  | { kind: 'nul'; at: number }
  | { kind: 'surrogate'; ch: string; at: number }
  | { kind: 'replace'; value: unknown }
  | { kind: 'nest'; depth: number; asArray: boolean }
  | { kind: 'extraKey'; key: string; value: unknown }
  | { kind: 'remove' };

const ODD_VALUES: unknown[] = [
  '',
  ' ',
  'NaN',
  'Infinity',
  '-Infinity',
  '1e309',
  '0x10',
  '-0',
  'null',
  'true',
  '١٢٣',
  '\u202Eevil',
  '\uFEFF',
  '\uFFFF',
  'x'.repeat(20_000),
  null,
  true,
  false,
  0,
  -1,
  -0,
  0.5,
  1e308,
  -1e308,
  Number.MAX_SAFE_INTEGER + 2,
  2 ** 31,
  -(2 ** 63),
  5e-324,
  new RawJson('1e400'),
  new RawJson('-1e400'),
  new RawJson('1e-400'),
  new RawJson('123456789012345678901234567890'),
  [],
  {},
  [null],
  { a: 1 },
];

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('nul' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('surrogate' as const),
    ch: fc.constantFrom('\uD800', '\uDBFF', '\uDC00', '\uDFFF', '\uDE00\uD83D'),
    at: fc.nat(),
  }),
  fc.record({
    kind: fc.constant('replace' as const),
    value: fc.oneof(fc.constantFrom(...ODD_VALUES), fc.jsonValue({ maxDepth: 2 })),
  }),
  fc.record({
    kind: fc.constant('nest' as const),
    depth: fc.integer({ min: 60, max: 5000 }),
    asArray: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('extraKey' as const),
    key: fc.oneof(
      fc.constantFrom(
        'unknownField',
        '',
        'k\u0000',
        '\uD800',
        'constructor',
        'toString',
        'hasOwnProperty',
        '__proto__',
      ),
      fc.string({ maxLength: 10 }),
    ),
    value: fc.oneof(fc.constantFrom('v\u0000', '\uDC00'), fc.jsonValue({ maxDepth: 2 })),
  }),
  fc.constant({ kind: 'remove' as const }),
);

/** Every path into `v` (the root included). */
function pathsOf(
  v: unknown,
  path: (string | number)[] = [],
  out: (string | number)[][] = [],
): (string | number)[][] {
  out.push(path);
  if (Array.isArray(v)) v.forEach((x, i) => pathsOf(x, [...path, i], out));
  else if (v && typeof v === 'object' && !(v instanceof RawJson))
    for (const [k, x] of Object.entries(v)) pathsOf(x, [...path, k], out);
  return out;
}

function insertAt(s: string, at: number, ch: string): string {
  const i = s.length ? at % (s.length + 1) : 0;
  return s.slice(0, i) + ch + s.slice(i);
}

function applyMutation(node: unknown, m: Mutation): unknown {
  switch (m.kind) {
    case 'nul':
      return typeof node === 'string' ? insertAt(node, m.at, '\u0000') : 'a\u0000b';
    case 'surrogate':
      return typeof node === 'string' ? insertAt(node, m.at, m.ch) : `x${m.ch}`;
    case 'replace':
      return m.value;
    case 'nest': {
      const [open, close] = m.asArray ? ['[', ']'] : ['{"a":', '}'];
      return new RawJson(`${open.repeat(m.depth)}${JSON.stringify(node ?? 1)}${close.repeat(m.depth)}`);
    }
    case 'extraKey': {
      if (!node || typeof node !== 'object' || Array.isArray(node)) return { [m.key]: m.value };
      const copy = { ...(node as Record<string, unknown>) };
      // an own property even for `__proto__`
      Object.defineProperty(copy, m.key, {
        value: m.value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
      return copy;
    }
    case 'remove':
      return undefined;
  }
}

/** `body` with the node at path number `which` (mod the path count) mutated. */
function mutate(body: unknown, which: number, m: Mutation): unknown {
  const paths = pathsOf(body);
  const path = paths[which % paths.length]!;
  if (path.length === 0) return applyMutation(body, m) ?? null;
  const clone = structuredClone(body) as Record<string | number, unknown>;
  let parent: Record<string | number, unknown> = clone;
  for (const seg of path.slice(0, -1)) parent = parent[seg] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  const next = applyMutation(parent[last], m);
  if (next === undefined) {
    if (Array.isArray(parent)) parent.splice(last as number, 1);
    else delete parent[last];
  } else {
    Object.defineProperty(parent, last, {
      value: next,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return clone;
}

/** JSON text of `v`, with RawJsons written verbatim. */
function toJsonText(v: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(v, (_k, x: unknown) => {
    if (!(x instanceof RawJson)) return x;
    raws.push(x.text);
    return `\u0001RAW${raws.length - 1}\u0001`;
  });
  return (text ?? 'null').replace(/"\\u0001RAW(\d+)\\u0001"/g, (_m, i: string) => raws[Number(i)]!);
}

function bodyArb(json: JsonSchema, hints: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<unknown> {
  const valid = arbFromSchema(json, json, hints);
  return fc.oneof(
    { weight: 1, arbitrary: valid },
    { weight: 7, arbitrary: fc.tuple(valid, fc.nat(), mutationArb).map(([b, i, m]) => mutate(b, i, m)) },
    {
      weight: 1,
      arbitrary: fc.oneof(
        fc.jsonValue({ maxDepth: 3 }),
        fc.dictionary(fc.string({ unit: 'binary', maxLength: 8 }), fc.jsonValue({ maxDepth: 2 })),
      ),
    },
  );
}

// ---------------------------------------------------------------------------------------------------
// The database: row counts of every table

/** One query counting the rows of every table of the test database (the table list read once). */
async function rowCounter(t: TestApi): Promise<{ counts(): Promise<string>; close(): Promise<void> }> {
  const client = new pg.Client({ connectionString: t.db.url });
  await client.connect();
  const { rows } = await client.query<{ tablename: string }>(
    `SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename <> '_prisma_migrations' ORDER BY 1`,
  );
  const sql = `SELECT ${rows.map((x) => `(SELECT count(*) FROM "${x.tablename}")::int AS "${x.tablename}"`).join(', ')}`;
  return {
    counts: async () => JSON.stringify((await client.query({ name: 'fuzz-row-counts', text: sql })).rows[0]),
    close: () => client.end(),
  };
}

// ---------------------------------------------------------------------------------------------------

interface Tally {
  route: string;
  sent: number;
  ok2xx: number;
  bad400: number;
  other: Record<number, number>;
}

describe('fuzzing every write route', () => {
  let t: TestApi;
  let fx: Fixtures;
  let routes: RouteInfo[];
  let bodySchemas: Map<string, JsonSchema | null>;
  const tallies: Tally[] = [];

  beforeAll(async () => {
    // runs started by the fuzz fail quickly (no agent), so none stays active
    t = await startTestApi({ NO_AGENT_WAIT_SEC: '1' });
    const target = await t.client.createTarget(targetBody('fuzz-target'));
    const exp = await t.client.createExperiment(experimentBody([target.id], { name: 'fuzz' }));
    const toggle = await t.client.createExperiment(experimentBody([target.id], { name: 'fuzz-toggle' }));
    const run = await t.client.startRun(exp.id, { trigger: 'ci' });
    const user = await t.client.createUser({ email: 'fuzz-viewer@example.com', role: 'viewer' });
    const token = await t.client.createToken({ name: 'fuzz', userId: user.user.id, scope: 'read' });
    const cred = await t.client.createAgentCredential({ pool: 'fuzz' });
    fx = {
      targetId: target.id,
      experimentId: exp.id,
      toggleExperimentId: toggle.id,
      runId: run.id,
      userId: user.user.id,
      tokenId: token.info.id,
      agentCredentialId: cred.info.id,
    };
    routes = routesFromRouter(t);
    bodySchemas = await bodySchemasFromApp(t);
  });

  afterAll(async () => {
    if (tallies.length) {
      const w = Math.max(...tallies.map((x) => x.route.length));
      const lines = tallies.map(
        (x) =>
          `${x.route.padEnd(w)}  sent ${String(x.sent).padStart(5)}  2xx ${String(x.ok2xx).padStart(5)}  400 ${String(x.bad400).padStart(5)}  other ${JSON.stringify(x.other)}`,
      );
      console.log(`fuzz (seed ${SEED}, ${RUNS} bodies per body route):\n${lines.join('\n')}`);
    }
    await t?.close();
  });

  it('knows every write route of the router, and each one with a body has its schema', () => {
    const writes = routes.filter((r) => WRITE_METHODS.has(r.method)).map((r) => `${r.method} ${r.path}`);
    expect(writes.length).toBeGreaterThanOrEqual(Object.keys(ROUTES).length);
    // a new write route fails here until it gets a ROUTES entry (there is no generic fallback)
    expect(writes.filter((r) => !(r in ROUTES))).toEqual([]);
    expect(Object.keys(ROUTES).filter((r) => !writes.includes(r))).toEqual([]);
    for (const r of writes) {
      expect(bodySchemas.has(r), `${r} is in the OpenAPI document`).toBe(true);
      const hasBody = bodySchemas.get(r) !== null;
      expect(hasBody, `${r}: a body schema exactly when not marked bodyless`).toBe(!ROUTES[r]!.bodyless);
    }
  });

  it('answers every generated body without a 5xx, names a field in each 400, and writes nothing when it rejects', async () => {
    const writes = routes.filter((r) => WRITE_METHODS.has(r.method));
    const counter = await rowCounter(t);
    onTestFinished(() => counter.close());
    let counts = await counter.counts();
    const timing = { http: 0, counts: 0 };
    const started = Date.now();
    for (const r of writes) {
      const key = `${r.method} ${r.path}`;
      const spec = ROUTES[key]!;
      const schema = bodySchemas.get(key) ?? null;
      const tally: Tally = { route: key, sent: 0, ok2xx: 0, bad400: 0, other: {} };
      tallies.push(tally);
      const idArb: fc.Arbitrary<string> =
        spec.id === null
          ? fc.constant('')
          : spec.bodyless && !spec.realId
            ? fc.oneof(fc.constantFrom(...BAD_IDS).map(encodeURIComponent), fc.constantFrom(...BAD_RAW_IDS))
            : fc.oneof(
                { weight: 9, arbitrary: fc.constant(encodeURIComponent(spec.id(fx))) },
                { weight: 1, arbitrary: fc.constantFrom(...BAD_IDS).map(encodeURIComponent) },
                { weight: 1, arbitrary: fc.constantFrom(...BAD_RAW_IDS) },
              );
      // body-less handlers get arbitrary JSON: it must be ignored
      const bodies = schema
        ? bodyArb(schema, spec.hints?.(fx) ?? {})
        : fc.jsonValue({ maxDepth: 3 }).filter((v) => v !== null);
      const property = fc.asyncProperty(idArb, bodies, async (id, body) => {
        const url = r.path.replace(':id', id);
        const text = toJsonText(body);
        const t0 = performance.now();
        // through the app's own router and whole request pipeline, without a socket (CI time)
        const reply = await t.api.app.inject({
          method: r.method as 'POST',
          url,
          headers: { 'content-type': 'application/json', ...AUTH_HEADERS },
          payload: text,
        });
        const res = { status: reply.statusCode, ok: reply.statusCode >= 200 && reply.statusCode < 300 };
        const answer = reply.body;
        timing.http += performance.now() - t0;
        tally.sent++;
        const ctx = `${r.method} ${url}\nbody ${text.slice(0, 2000)}\n→ ${res.status} ${answer.slice(0, 2000)}`;
        if (res.status >= 500) throw new Error(`5xx\n${ctx}`);
        if (res.ok) tally.ok2xx++;
        else if (res.status === 400) tally.bad400++;
        else tally.other[res.status] = (tally.other[res.status] ?? 0) + 1;
        if (res.status === 400) {
          const env = ErrorEnvelopeSchema.safeParse(JSON.parse(answer));
          if (!env.success || env.data.error.code !== 'VALIDATION_FAILED')
            throw new Error(`400 outside the envelope\n${ctx}`);
          const issues = env.data.error.details?.issues ?? [];
          if (!issues.length || issues.some((i) => !i.path)) throw new Error(`400 names no field\n${ctx}`);
          // '(root)' only when the body as a whole is wrong: not an object, or refused by the JSON parser
          // (prototype poisoning)
          const wholeBody =
            typeof body !== 'object' ||
            body === null ||
            body instanceof RawJson ||
            Array.isArray(body) ||
            /"(__proto__|constructor)"/.test(text);
          if (issues.every((i) => i.path === '(root)') && !wholeBody)
            throw new Error(`400 names only (root) for an object body\n${ctx}`);
        }
        const t1 = performance.now();
        const now = await counter.counts();
        timing.counts += performance.now() - t1;
        if (!res.ok) {
          if (now !== counts) throw new Error(`rejected body changed row counts ${counts} → ${now}\n${ctx}`);
        }
        counts = now;
      });
      await fc.assert(property, {
        numRuns: schema ? RUNS : BODYLESS_RUNS,
        seed: SEED,
        endOnFailure: true,
      });
    }
    console.log(
      `fuzzed ${tallies.reduce((s, x) => s + x.sent, 0)} bodies in ${Date.now() - started} ms ` +
        `(requests ${Math.round(timing.http)} ms, row counts ${Math.round(timing.counts)} ms)`,
    );
  }, 300_000);

  it('reads back every row the accepted bodies wrote through every GET route without a 5xx', async () => {
    const started = Date.now();
    const ids: Record<string, string[]> = {
      targets: (await t.prisma.target.findMany({ select: { id: true } })).map((x) => x.id),
      experiments: (await t.prisma.experiment.findMany({ select: { id: true } })).map((x) => x.id),
      runs: (await t.prisma.run.findMany({ select: { id: true } })).map((x) => x.id),
      'load-points': (await t.prisma.loadPoint.findMany({ select: { id: true } })).map((x) => x.id),
    };
    // every experiment kept at least one variant (a PATCH replacing the list never empties it)
    const empty = await t.prisma.experiment.findMany({
      where: { variants: { none: {} } },
      select: { id: true },
    });
    expect(empty).toEqual([]);
    // the agents' secret route answers only agent credentials (403 here): the route-guard test covers it
    const gets = routes.filter(
      (r) => r.method === 'GET' && !r.path.startsWith('/docs') && r.path !== '/agents/load-points/:id/secret',
    );
    let requests = 0;
    // every row through the list routes (paged), and up to READBACK ids per kind through each route by id
    const READBACK = 60;
    for (const r of gets) {
      const first = r.path.split('/')[1]!;
      const kindIds = ids[first] ?? [];
      const sample = kindIds.filter((_, i) => i % Math.ceil(kindIds.length / READBACK) === 0);
      if (!r.path.includes(':id') && r.path !== '/compare') {
        for (let offset = 0; ; offset += 500) {
          const res = await t.fetch(`${t.url}${r.path}?limit=500&offset=${offset}`);
          const text = await res.text();
          requests++;
          expect(res.status, `GET ${r.path} → ${text.slice(0, 500)}`).toBeLessThan(500);
          const total = (JSON.parse(text) as { total?: number }).total;
          if (total === undefined || offset + 500 >= total) break;
        }
        continue;
      }
      const list = r.path.includes(':id') ? sample : [''];
      expect(r.path.includes(':id') ? first in ids : true, `${r.path}: which ids to read back`).toBe(true);
      for (const id of list) {
        let url = `${t.url}${r.path.replace(':id', encodeURIComponent(id))}`;
        if (r.path === '/compare') url += `?runs=${ids.runs!.slice(0, 12).join(',')}`;
        const res = await t.fetch(url, { signal: AbortSignal.timeout(10_000) });
        const text = await res.text();
        requests++;
        expect(res.status, `GET ${url} → ${res.status} ${text.slice(0, 500)}`).toBeLessThan(500);
        // a row that exists is found
        if (r.path.includes(':id')) expect(res.status, `GET ${url} → ${text.slice(0, 500)}`).not.toBe(404);
      }
    }
    console.log(
      `read back ${requests} GETs (${Object.entries(ids)
        .map(([k, v]) => `${v.length} ${k}`)
        .join(', ')}) in ${Date.now() - started} ms`,
    );
  }, 120_000);
});
