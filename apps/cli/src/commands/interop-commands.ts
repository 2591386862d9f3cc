import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ApiError } from '@inferbench/api-client';
import type { RunExportFormat, SourceToolName } from '@inferbench/contracts';
import { CliError, EXIT } from '../errors.js';
import { resolveExperiment, type ApiCommandContext } from './api-commands.js';

/** `inferbench import <file> --experiment <name> [--variant <label>] [--tool <tool>]` */
export async function importResult(
  ctx: ApiCommandContext,
  file: string,
  opts: { experiment: string; variant?: string; tool?: SourceToolName },
): Promise<number> {
  let content: string;
  try {
    content = await readFile(file, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as Error).message}`);
  }
  const exp = await resolveExperiment(ctx.api, opts.experiment);
  let run;
  try {
    run = await ctx.api.importFile({
      experimentId: exp.id,
      fileName: path.basename(file),
      content,
      ...(opts.variant ? { variantLabel: opts.variant } : {}),
      ...(opts.tool ? { tool: opts.tool } : {}),
    });
  } catch (err) {
    // the API names the tool it read the file as and the bad field: say so plainly
    if (err instanceof ApiError && err.status === 400)
      throw new CliError(`cannot import ${file}: ${err.message}`);
    throw err;
  }
  if (ctx.json) {
    ctx.io.stdout.write(`${JSON.stringify(run, null, 2)}\n`);
    return EXIT.ok;
  }
  const out = ctx.io.stdout;
  out.write(
    `imported ${file} as run ${run.id} of "${run.experimentName}" (${run.source?.label ?? 'import'})\n`,
  );
  for (const w of run.source?.warnings ?? []) out.write(`! ${w}\n`);
  for (const p of run.loadPoints) {
    const detail = p.imported?.detail === 'aggregates' ? 'aggregates only' : `${p.samplesStored} requests`;
    out.write(`  #${p.ordinal} ${p.variantLabel} · ${p.levelLabel}: ${detail}\n`);
  }
  return EXIT.ok;
}

/** Write `bytes` to `--out`, or to stdout. */
async function emit(ctx: ApiCommandContext, bytes: Uint8Array, out: string | undefined): Promise<void> {
  if (out) {
    await writeFile(out, bytes);
    ctx.io.stderr.write(`wrote ${out} (${bytes.byteLength} bytes)\n`);
  } else ctx.io.stdout.write(new TextDecoder().decode(bytes));
}

/** `inferbench run export <id> --format vllm|csv|jsonl [--point N] [--out file]` */
export async function exportRun(
  ctx: ApiCommandContext,
  runId: string,
  opts: { format: RunExportFormat | 'jsonl'; point?: number; out?: string },
): Promise<number> {
  if (opts.format !== 'jsonl') {
    const file = await ctx.api.exportRun(runId, {
      format: opts.format,
      ...(opts.point !== undefined ? { point: opts.point } : {}),
    });
    await emit(ctx, file.bytes, opts.out);
    return EXIT.ok;
  }
  // raw samples: one JSON line per request of every (or the chosen) point, in run order
  const run = await ctx.api.getRun(runId);
  const points =
    opts.point === undefined ? run.loadPoints : run.loadPoints.filter((p) => p.ordinal === opts.point);
  if (!points.length) throw new CliError(`run ${runId} has no load point #${opts.point}`);
  const parts: Uint8Array[] = [];
  for (const p of points) {
    const res = await fetch(ctx.api.samplesUrl(p.id, 'jsonl'), { headers: ctx.api.authHeaders() });
    if (!res.ok) throw new CliError(`samples of load point ${p.id}: HTTP ${res.status}`);
    parts.push(new Uint8Array(await res.arrayBuffer()));
  }
  const all = new Uint8Array(parts.reduce((n, b) => n + b.byteLength, 0));
  let at = 0;
  for (const b of parts) {
    all.set(b, at);
    at += b.byteLength;
  }
  await emit(ctx, all, opts.out);
  return EXIT.ok;
}

/** `inferbench k6 export <experiment> [--out script.js]` */
export async function exportK6(ctx: ApiCommandContext, ref: string, opts: { out?: string }): Promise<number> {
  const exp = await resolveExperiment(ctx.api, ref);
  const file = await ctx.api.k6Script(exp.id);
  await emit(ctx, file.bytes, opts.out);
  return EXIT.ok;
}
