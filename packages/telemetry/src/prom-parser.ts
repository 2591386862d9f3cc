/**
 * Parser for the Prometheus text exposition format 0.0.4 (what vLLM, SGLang, TGI and the DCGM
 * exporter serve at /metrics). Lenient on purpose: a line it cannot read is recorded in `errors`
 * and skipped, so one odd metric from a server never costs the whole scrape.
 *
 * Grammar handled (per line):
 *   `# HELP <name> <docstring>`      docstring escapes: `\\`, `\n`
 *   `# TYPE <name> <counter|gauge|histogram|summary|untyped>`
 *   `# ...`                          any other comment (incl. OpenMetrics `# EOF`) is ignored
 *   `<name>[{l="v",...}] <value> [<timestamp ms>]`
 *                                    label value escapes: `\\`, `\"`, `\n`; trailing comma allowed;
 *                                    value is a Go float (`1e-3`, `+Inf`, `-Inf`, `NaN`)
 * Newer servers may quote a UTF-8 metric name inside the braces (`{"my.metric",l="v"}`); accepted.
 */

/** Metric type from a `# TYPE` line; `untyped` when there is none. */
export type PromType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

/** One sample line. */
export interface PromSample {
  /** the sample's own name, e.g. `vllm:e2e_request_latency_seconds_bucket` */
  name: string;
  labels: Record<string, string>;
  value: number;
  /** the optional trailing timestamp, epoch milliseconds */
  timestampMs?: number;
}

/** A metric family: the samples that belong to one `# TYPE` declaration (or one bare name). */
export interface PromFamily {
  name: string;
  type: PromType;
  help?: string;
  samples: PromSample[];
}

/** A line the parser skipped, 1-based. */
export interface PromParseError {
  line: number;
  message: string;
}

/** Everything one exposition body said. */
export interface PromParseResult {
  families: Map<string, PromFamily>;
  errors: PromParseError[];
}

const PROM_TYPES: ReadonlySet<string> = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const NAME_START = /[a-zA-Z_:]/;
const NAME_CHAR = /[a-zA-Z0-9_:]/;
const LABEL_START = /[a-zA-Z_]/;
const LABEL_CHAR = /[a-zA-Z0-9_]/;

/** Suffixes that attach a sample to a family declared without them. */
const SUFFIXES_BY_TYPE: Record<PromType, readonly string[]> = {
  histogram: ['_bucket', '_sum', '_count', '_created'],
  summary: ['_sum', '_count', '_created'],
  // OpenMetrics declares `# TYPE foo counter` and exposes `foo_total`
  counter: ['_total', '_created'],
  gauge: [],
  untyped: [],
};

/**
 * Parses a Go-style float as Prometheus writes it. Returns NaN for the literal NaN and
 * `undefined` when the text is not a number at all.
 */
export function parsePromFloat(text: string): number | undefined {
  const t = text.toLowerCase();
  if (t === 'nan') return Number.NaN;
  if (t === '+inf' || t === 'inf' || t === '+infinity' || t === 'infinity') return Number.POSITIVE_INFINITY;
  if (t === '-inf' || t === '-infinity') return Number.NEGATIVE_INFINITY;
  // Number() accepts '', '0x1f' and whitespace, which are not Prometheus floats
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(t)) return undefined;
  return Number(t);
}

function unescapeHelp(s: string): string {
  return s.replace(/\\(\\|n)/g, (_m, c: string) => (c === 'n' ? '\n' : '\\'));
}

class LineReader {
  pos = 0;
  constructor(readonly s: string) {}

  peek(): string | undefined {
    return this.s[this.pos];
  }

  skipBlanks(): void {
    while (this.s[this.pos] === ' ' || this.s[this.pos] === '\t') this.pos++;
  }

  readWhile(re: RegExp): string {
    const start = this.pos;
    while (this.pos < this.s.length && re.test(this.s[this.pos]!)) this.pos++;
    return this.s.slice(start, this.pos);
  }

  readName(startRe: RegExp, charRe: RegExp): string {
    const first = this.peek();
    if (first === undefined || !startRe.test(first)) return '';
    this.pos++;
    return first + this.readWhile(charRe);
  }

  /** Reads a `"..."` string with `\\`, `\"`, `\n` escapes; throws on an unterminated string. */
  readQuoted(): string {
    if (this.peek() !== '"') throw new Error(`expected '"' at column ${this.pos + 1}`);
    this.pos++;
    let out = '';
    while (this.pos < this.s.length) {
      const c = this.s[this.pos++]!;
      if (c === '"') return out;
      if (c === '\\') {
        const e = this.s[this.pos++];
        if (e === 'n') out += '\n';
        else if (e === '\\' || e === '"') out += e;
        // unknown escape: keep it literally, as the Go parser does for HELP
        else out += '\\' + (e ?? '');
      } else out += c;
    }
    throw new Error('unterminated label value');
  }

  readToken(): string {
    return this.readWhile(/[^ \t]/);
  }
}

/** Parses one sample line; throws with a reason the caller records. */
function parseSampleLine(line: string): PromSample {
  const r = new LineReader(line);
  let name = r.readName(NAME_START, NAME_CHAR);
  const labels: Record<string, string> = {};
  r.skipBlanks();
  if (r.peek() === '{') {
    r.pos++;
    for (;;) {
      r.skipBlanks();
      if (r.peek() === '}') {
        r.pos++;
        break;
      }
      let key: string;
      if (r.peek() === '"') {
        // a quoted string: either a UTF-8 metric name (no '=' after it) or a quoted label name
        const quoted = r.readQuoted();
        r.skipBlanks();
        if (r.peek() !== '=') {
          if (name !== '') throw new Error('metric name given twice');
          name = quoted;
          r.skipBlanks();
          if (r.peek() === ',') r.pos++;
          continue;
        }
        key = quoted;
      } else {
        key = r.readName(LABEL_START, LABEL_CHAR);
        if (key === '') throw new Error(`bad label name at column ${r.pos + 1}`);
        r.skipBlanks();
      }
      if (r.peek() !== '=') throw new Error(`expected '=' after label ${key}`);
      r.pos++;
      r.skipBlanks();
      const value = r.readQuoted();
      if (Object.hasOwn(labels, key)) throw new Error(`duplicate label ${key}`);
      labels[key] = value;
      r.skipBlanks();
      if (r.peek() === ',') r.pos++;
      else if (r.peek() !== '}') throw new Error(`expected ',' or '}' at column ${r.pos + 1}`);
    }
  }
  if (name === '') throw new Error('missing metric name');
  r.skipBlanks();
  const valueText = r.readToken();
  const value = parsePromFloat(valueText);
  if (value === undefined) throw new Error(`bad value '${valueText}'`);
  r.skipBlanks();
  const sample: PromSample = { name, labels, value };
  const tsText = r.readToken();
  if (tsText !== '') {
    const ts = parsePromFloat(tsText);
    if (ts === undefined || !Number.isFinite(ts)) throw new Error(`bad timestamp '${tsText}'`);
    sample.timestampMs = ts;
    r.skipBlanks();
  }
  if (r.pos < line.length) throw new Error(`unexpected text '${line.slice(r.pos)}'`);
  return sample;
}

/**
 * Parses a Prometheus text exposition body. Never throws: unreadable lines land in `errors`.
 * Samples are grouped into families by their `# TYPE` name (a histogram `x` collects `x_bucket`,
 * `x_sum`, `x_count`); a sample without a declaration forms an `untyped` family of its own name.
 */
export function parsePrometheusText(text: string): PromParseResult {
  const families = new Map<string, PromFamily>();
  const errors: PromParseError[] = [];
  const lines = text.split(/\r?\n/);

  const familyFor = (name: string): PromFamily => {
    let f = families.get(name);
    if (!f) {
      f = { name, type: 'untyped', samples: [] };
      families.set(name, f);
    }
    return f;
  };

  /** Finds the declared family a sample belongs to, by exact name or name minus a type suffix. */
  const ownerOf = (sampleName: string): PromFamily => {
    const exact = families.get(sampleName);
    if (exact && (exact.type !== 'counter' || !sampleName.endsWith('_created'))) return exact;
    for (const suffix of ['_bucket', '_sum', '_count', '_total', '_created']) {
      if (!sampleName.endsWith(suffix)) continue;
      const base = families.get(sampleName.slice(0, -suffix.length));
      if (base && SUFFIXES_BY_TYPE[base.type].includes(suffix)) return base;
    }
    return familyFor(sampleName);
  };

  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    if (line.startsWith('#')) {
      const m = /^#\s*(HELP|TYPE)\s+(\S+)(?:\s+(.*))?$/.exec(line);
      if (!m) return; // plain comment
      const [, kind, name, rest = ''] = m;
      const fam = familyFor(name!);
      if (kind === 'HELP') fam.help = unescapeHelp(rest);
      else {
        const type = rest.trim().toLowerCase();
        if (!PROM_TYPES.has(type))
          errors.push({ line: i + 1, message: `unknown type '${rest}' for ${name}` });
        else fam.type = type as PromType;
      }
      return;
    }
    try {
      const sample = parseSampleLine(line);
      ownerOf(sample.name).samples.push(sample);
    } catch (err) {
      errors.push({ line: i + 1, message: err instanceof Error ? err.message : String(err) });
    }
  });
  return { families, errors };
}
