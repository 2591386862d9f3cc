import { parse as parseYaml } from 'yaml';
import { InteropError } from '../errors.js';
import type { ImportOptions, ImportResult, SourceTool } from '../types.js';
import { isObject, type Json } from '../util.js';
import { importAiperfCsv, importAiperfJson, looksLikeAiperfCsv, looksLikeAiperfJson } from './aiperf.js';
import { importGuidellm, looksLikeGuidellm } from './guidellm.js';
import { importInferencePerf, looksLikeInferencePerf } from './inference-perf.js';
import { importK6Summary, looksLikeK6 } from './k6-summary.js';
import { importVllm, looksLikeVllm, parseVllmText } from './vllm.js';

type Parsed =
  { kind: 'json'; value: unknown } | { kind: 'jsonl'; values: Json[] } | { kind: 'text'; text: string };

function parseText(text: string, fileName: string | undefined): Parsed {
  const t = text.replace(/^\uFEFF/, '').trim();
  if (fileName && /\.csv$/i.test(fileName)) return { kind: 'text', text: t };
  if (t.startsWith('{') || t.startsWith('[')) {
    try {
      return { kind: 'json', value: JSON.parse(t) };
    } catch {
      // several JSON objects, one per line (vLLM --append-result)
      try {
        return { kind: 'jsonl', values: parseVllmText(t) };
      } catch {
        throw new InteropError('unknown', undefined, 'looks like JSON but does not parse');
      }
    }
  }
  if (looksLikeAiperfCsv(t)) return { kind: 'text', text: t };
  try {
    const y = parseYaml(t) as unknown;
    if (isObject(y)) return { kind: 'json', value: y };
  } catch {
    /* not YAML */
  }
  return { kind: 'text', text: t };
}

/** Guess the tool from a parsed file's shape (undefined: no known shape). */
export function detectTool(text: string, fileName?: string): SourceTool | undefined {
  const p = parseText(text, fileName);
  if (p.kind === 'text') return looksLikeAiperfCsv(p.text) ? 'aiperf' : undefined;
  if (p.kind === 'jsonl') return p.values.every(looksLikeVllm) ? 'vllm' : undefined;
  const v = p.value;
  if (Array.isArray(v))
    return v.length > 0 && v.every((o) => isObject(o) && looksLikeVllm(o)) ? 'vllm' : undefined;
  if (!isObject(v)) return undefined;
  if (looksLikeGuidellm(v)) return 'guidellm';
  if (looksLikeInferencePerf(v)) return 'inference-perf';
  if (looksLikeAiperfJson(v)) return 'aiperf';
  if (looksLikeK6(v)) return 'k6';
  if (looksLikeVllm(v)) return 'vllm';
  return undefined;
}

/**
 * Import one result file of vLLM, GuideLLM, AIPerf, inference-perf or k6. The tool is detected from the
 * file's shape unless `opts.tool` forces it. Throws {@link InteropError} naming the tool and the
 * missing/invalid field.
 */
export function importResultFile(text: string, opts: ImportOptions = {}): ImportResult {
  const detected = opts.tool ?? detectTool(text, opts.fileName);
  if (!detected)
    throw new InteropError(
      'unknown',
      undefined,
      'not a vLLM, GuideLLM, AIPerf, inference-perf or k6 result (pass the tool explicitly to see which field is missing)',
    );
  const by = opts.tool ? 'forced' : 'shape';
  const p = parseText(text, opts.fileName);
  const obj = (): Json => {
    if (p.kind === 'json' && isObject(p.value)) return p.value;
    throw new InteropError(detected, undefined, 'expected a JSON (or YAML) object');
  };
  switch (detected) {
    case 'vllm':
      if (p.kind === 'jsonl') return importVllm(p.values, by);
      if (p.kind === 'json' && Array.isArray(p.value))
        return importVllm(
          p.value.map((o, i) => {
            if (!isObject(o)) throw new InteropError('vllm', `[${i}]`, 'expected a JSON object');
            return o;
          }),
          by,
        );
      return importVllm([obj()], by);
    case 'guidellm':
      return importGuidellm(obj(), by);
    case 'aiperf':
      if (p.kind === 'text') return importAiperfCsv(p.text, by);
      return importAiperfJson(obj(), by);
    case 'inference-perf':
      return importInferencePerf(obj(), by);
    case 'k6':
      return importK6Summary(obj(), by);
  }
}
