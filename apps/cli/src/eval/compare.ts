import { readFile } from 'node:fs/promises';
import { comparePaired, itemsNeededForDrop, type PairedComparison } from '@inferbench/evals';
import { CliError } from '../errors.js';
import { fmtNum, NONE } from '../format/numbers.js';
import { renderTable } from '../format/table.js';
import { pts } from './format.js';
import { EvalResultSchema, type EvalResultFile } from './result.js';

/** Read and validate a file written by `inferbench eval --out`. */
export async function readEvalResult(file: string): Promise<EvalResultFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CliError(`${file} is not JSON`);
  }
  if ((json as { kind?: unknown } | null)?.kind !== 'inferbench.eval-result')
    throw new CliError(`${file} is not an inferbench eval result (no "kind": "inferbench.eval-result")`);
  const parsed = EvalResultSchema.safeParse(json);
  if (!parsed.success) {
    const lines = parsed.error.issues
      .slice(0, 5)
      .map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('\n');
    throw new CliError(`${file} is not a valid eval result:\n${lines}`);
  }
  return parsed.data;
}

/** The paired comparison of one task present in both results. */
export interface TaskComparison {
  taskId: string;
  /** B − A on the paired items, with McNemar's test, the flips and the unmatched ids */
  paired: PairedComparison;
  /** items a McNemar test needs to detect a drop of `drop` at the discordant rate seen here (α 0.05, power 0.8) */
  itemsNeeded: number | null;
  versionHashA: string;
  versionHashB: string;
  hashesDiffer: boolean;
  /** primary task scores as each file reports them (may cover unpaired items) */
  scoreA: number;
  scoreB: number;
}

export interface EvalComparison {
  a: { model: string; baseUrl: string; suite: string };
  b: { model: string; baseUrl: string; suite: string };
  /** the drop `itemsNeeded` is sized for, as a proportion (0.05 = 5 points) */
  drop: number;
  tasks: TaskComparison[];
  onlyInA: string[];
  onlyInB: string[];
}

/** Pair the items of A and B by (task id, item id) and compare each task present in both. */
export function compareEvalResults(a: EvalResultFile, b: EvalResultFile, drop: number): EvalComparison {
  const byTask = (r: EvalResultFile): Map<string, Map<string, number>> => {
    const m = new Map<string, Map<string, number>>();
    for (const rec of r.records) {
      let t = m.get(rec.taskId);
      if (!t) m.set(rec.taskId, (t = new Map()));
      t.set(rec.itemId, rec.correct ? 1 : 0);
    }
    return m;
  };
  const ra = byTask(a);
  const rb = byTask(b);
  const tasksB = new Map(b.tasks.map((t) => [t.taskId, t]));
  const tasksA = new Map(a.tasks.map((t) => [t.taskId, t]));
  const tasks: TaskComparison[] = [];
  for (const ta of a.tasks) {
    const tb = tasksB.get(ta.taskId);
    if (!tb) continue;
    const paired = comparePaired(ra.get(ta.taskId) ?? new Map(), rb.get(ta.taskId) ?? new Map());
    const discordantRate = paired.n > 0 ? paired.mcnemar.discordant / paired.n : 0;
    tasks.push({
      taskId: ta.taskId,
      paired,
      itemsNeeded: paired.n > 0 ? itemsNeededForDrop({ drop, discordantRate }) : null,
      versionHashA: ta.versionHash,
      versionHashB: tb.versionHash,
      hashesDiffer: ta.versionHash !== tb.versionHash,
      scoreA: ta.summary.score,
      scoreB: tb.summary.score,
    });
  }
  return {
    a: { model: a.model, baseUrl: a.target.baseUrl, suite: a.suite.name },
    b: { model: b.model, baseUrl: b.target.baseUrl, suite: b.suite.name },
    drop,
    tasks,
    onlyInA: a.tasks.filter((t) => !tasksB.has(t.taskId)).map((t) => t.taskId),
    onlyInB: b.tasks.filter((t) => !tasksA.has(t.taskId)).map((t) => t.taskId),
  };
}

const signedPts = (x: number): string => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}`;

function fmtP(p: number): string {
  if (p < 0.001) return '<0.001';
  return p.toFixed(3);
}

/** The comparison as a table, one row per task, then warnings (version hashes that differ, unmatched items). */
export function formatEvalComparison(c: EvalComparison, labels: [string, string]): string {
  const out: string[] = [
    `A: ${labels[0]}  (${c.a.model} @ ${c.a.baseUrl}, suite ${c.a.suite})`,
    `B: ${labels[1]}  (${c.b.model} @ ${c.b.baseUrl}, suite ${c.b.suite})`,
    '',
  ];
  const dropPts = fmtNum(c.drop * 100, c.drop * 100 < 1 ? 2 : 0);
  const headers = [
    'task',
    'paired',
    'A acc',
    'B acc',
    'B-A',
    '95% CI',
    'McNemar p',
    'A right>B wrong',
    'A wrong>B right',
    `items for -${dropPts} pts`,
    'hash',
  ];
  const rows = c.tasks.map((t) => {
    const p = t.paired;
    return [
      t.taskId,
      String(p.n),
      p.n > 0 ? pts(p.baselineAccuracy) : NONE,
      p.n > 0 ? pts(p.candidateAccuracy) : NONE,
      p.n > 0 ? `${signedPts(p.difference.estimate)}${p.significant ? ' *' : ''}` : NONE,
      p.n > 0 ? `[${signedPts(p.difference.lower)}, ${signedPts(p.difference.upper)}]` : NONE,
      p.n > 0 ? fmtP(p.mcnemar.pValue) : NONE,
      String(p.flips.rightToWrong.length),
      String(p.flips.wrongToRight.length),
      t.itemsNeeded === null ? NONE : String(t.itemsNeeded),
      t.hashesDiffer ? 'DIFFERS' : 'same',
    ];
  });
  out.push(renderTable(headers, rows));
  out.push(
    `accuracy in points on the items both runs scored (paired by task and item id); * = McNemar p < 0.05; CI: paired Wald interval of B-A; "items for -${dropPts} pts": items a paired test needs to detect a ${dropPts}-point drop at this task's discordant rate (alpha 0.05, power 0.8).`,
  );
  for (const t of c.tasks) {
    if (t.hashesDiffer)
      out.push(
        `! WARNING ${t.taskId}: task version hashes differ (A ${t.versionHashA.slice(0, 12)}, B ${t.versionHashB.slice(0, 12)}): prompts, scoring or generation settings changed, so the difference is not only the model's`,
      );
    if (t.paired.unmatched.length > 0)
      out.push(
        `! ${t.taskId}: ${t.paired.unmatched.length} item(s) in only one of the two results (not compared)`,
      );
  }
  if (c.onlyInA.length) out.push(`! tasks only in A: ${c.onlyInA.join(', ')}`);
  if (c.onlyInB.length) out.push(`! tasks only in B: ${c.onlyInB.join(', ')}`);
  if (c.tasks.length === 0) out.push('! no task in common: nothing to compare');
  return `${out.join('\n')}\n`;
}

/** The comparison as JSON (flip ids included). */
export function evalComparisonJson(c: EvalComparison): unknown {
  return c;
}
