// Start-up time: this module only defines the commands (options, help text). Each command's implementation, and
// every workspace package (API client, contracts/zod, loadgen, evals, ...), is loaded with `await import()` in its
// action, so `inferbench --help` and each command load only what they use. Keep the static imports below
// dependency-free (type-only imports are erased).
import type { SourceToolName, StartRunTrigger } from '@inferbench/contracts';
import { Command, CommanderError, Option } from 'commander';
import type { BenchCliOptions } from './bench/bench-command.js';
import { CliError, EXIT } from './cli-error.js';
import type { ApiCommandContext } from './commands/api-commands.js';
import type { EvalCliOptions } from './eval/eval-command.js';
import { DEFAULT_API_URL, type CliIo } from './io.js';

interface GlobalOptions {
  api?: string;
  json?: boolean;
}

/** Tools `import --tool` accepts, in the order of `SourceToolSchema` (the type keeps the two in step). */
const SOURCE_TOOLS = Object.keys({
  vllm: true,
  guidellm: true,
  aiperf: true,
  'inference-perf': true,
  k6: true,
} satisfies Record<SourceToolName, true>) as SourceToolName[];

/** `k=v` pairs of repeated --meta flags → record. */
function collectMeta(value: string, prev: Record<string, string>): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new CliError(`--meta expects key=value, got "${value}"`);
  return { ...prev, [value.slice(0, eq)]: value.slice(eq + 1) };
}

/**
 * Build the `inferbench` program. Global options go before the command (`inferbench --api URL run get X`);
 * API commands also accept `--api`/`--json` after their own arguments. Positional options keep `bench --api
 * chat|completions` (the endpoint kind) apart from the global `--api <url>`.
 * Every action stores its exit code in `state.exitCode` instead of exiting, so tests can run it in-process.
 */
export function buildProgram(
  io: CliIo,
  state: { exitCode: number; apiUrl: string },
  signal: AbortSignal,
): Command {
  const program = new Command('inferbench')
    .description('Load generation and evaluation for LLM inference servers')
    .option('--api <url>', `inferbench API URL (env INFERBENCH_API_URL, default ${DEFAULT_API_URL})`)
    .option('--json', 'machine-readable JSON output on stdout')
    .enablePositionalOptions()
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .exitOverride();

  /** Merge global options given before the command with ones given after it. */
  const context = async (cmd: Command): Promise<ApiCommandContext> => {
    const local = cmd.opts<GlobalOptions>();
    const global = program.opts<GlobalOptions>();
    const apiUrl = local.api ?? global.api ?? io.env.INFERBENCH_API_URL ?? DEFAULT_API_URL;
    state.apiUrl = apiUrl;
    const { ApiClient } = await import('@inferbench/api-client');
    // INFERBENCH_TOKEN: an API token, sent as a Bearer token (the API's guard checks it)
    const token = io.env.INFERBENCH_TOKEN?.trim();
    const api = new ApiClient({ baseUrl: apiUrl, ...(token ? { token } : {}) });
    return { api, apiUrl, json: Boolean(local.json ?? global.json), io };
  };
  const apiCommand = (parent: Command, name: string, description: string): Command =>
    parent
      .command(name)
      .description(description)
      .option('--api <url>', 'inferbench API URL (same as the global option)')
      .option('--json', 'machine-readable JSON output');

  const experiments = program.command('experiments').description('experiments stored in the API');
  apiCommand(experiments, 'list', 'list experiments: id, name, tags, variants, last run').action(
    async (_o, cmd: Command) => {
      const { listExperiments } = await import('./commands/api-commands.js');
      state.exitCode = await listExperiments(await context(cmd));
    },
  );

  const targets = program.command('targets').description('inference endpoints known to the API');
  apiCommand(targets, 'list', 'list targets').action(async (_o, cmd: Command) => {
    const { listTargets } = await import('./commands/api-commands.js');
    state.exitCode = await listTargets(await context(cmd));
  });

  const agents = program.command('agents').description('load-generating agents');
  apiCommand(agents, 'list', 'list live agents with their pool and state').action(
    async (_o, cmd: Command) => {
      const { listAgents } = await import('./commands/api-commands.js');
      state.exitCode = await listAgents(await context(cmd));
    },
  );

  const run = program.command('run').description('start, follow, inspect and cancel runs');
  apiCommand(run, 'start', 'start a run of an experiment (id or exact name)')
    .argument('<experiment>', 'experiment id or exact name')
    .option(
      '--wait',
      'follow the run live, print the summary table, exit 0 only when it completed with no failed load point (2 failed, 3 cancelled, 4 API unreachable)',
    )
    .addOption(new Option('--trigger <trigger>', 'who started the run').choices(['ci', 'api']).default('api'))
    .option(
      '--meta <key=value>',
      'metadata recorded with the run (repeatable), e.g. --meta gitSha=abc123',
      collectMeta,
      {},
    )
    .action(
      async (
        experiment: string,
        o: { wait?: boolean; trigger: string; meta: Record<string, string> },
        cmd: Command,
      ) => {
        const [{ StartRunTriggerSchema }, { startRun }] = await Promise.all([
          import('@inferbench/contracts'),
          import('./commands/api-commands.js'),
        ]);
        const trigger: StartRunTrigger = StartRunTriggerSchema.parse(o.trigger);
        state.exitCode = await startRun(
          await context(cmd),
          experiment,
          { wait: Boolean(o.wait), trigger, metadata: o.meta },
          signal,
        );
      },
    );
  apiCommand(run, 'get', 'show a run and its per-load-point summary')
    .argument('<id>', 'run id')
    .action(async (id: string, _o, cmd: Command) => {
      const { getRun } = await import('./commands/api-commands.js');
      state.exitCode = await getRun(await context(cmd), id);
    });
  apiCommand(run, 'cancel', 'cancel a queued or running run')
    .argument('<id>', 'run id')
    .action(async (id: string, _o, cmd: Command) => {
      const { cancelRun } = await import('./commands/api-commands.js');
      state.exitCode = await cancelRun(await context(cmd), id);
    });
  apiCommand(run, 'export', 'export a run: vLLM result JSON, CSV of summaries, or raw samples as JSON lines')
    .argument('<id>', 'run id')
    .addOption(
      new Option('--format <format>', 'output format').choices(['vllm', 'csv', 'jsonl']).default('vllm'),
    )
    .option('--point <ordinal>', 'only this load point (its ordinal, from `run get`)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0)
        throw new CliError(`--point expects a load point ordinal, got "${v}"`);
      return n;
    })
    .option('--out <file>', 'write to this file instead of stdout')
    .action(
      async (
        id: string,
        o: { format: 'vllm' | 'csv' | 'jsonl'; point?: number; out?: string },
        cmd: Command,
      ) => {
        const { exportRun } = await import('./commands/interop-commands.js');
        state.exitCode = await exportRun(await context(cmd), id, {
          format: o.format,
          ...(o.point !== undefined ? { point: o.point } : {}),
          ...(o.out ? { out: o.out } : {}),
        });
      },
    );

  apiCommand(
    program,
    'import',
    "import another tool's result file (vLLM, GuideLLM, AIPerf, inference-perf, k6) as a run of an experiment",
  )
    .argument('<file>', 'the result file')
    .requiredOption('--experiment <name>', 'experiment id or exact name')
    .option('--variant <label>', "variant label (created when missing; default: the tool's name)")
    .addOption(
      new Option('--tool <tool>', 'read the file as this tool (default: detected from its shape)').choices(
        SOURCE_TOOLS,
      ),
    )
    .action(
      async (
        file: string,
        o: { experiment: string; variant?: string; tool?: SourceToolName },
        cmd: Command,
      ) => {
        const { importResult } = await import('./commands/interop-commands.js');
        state.exitCode = await importResult(await context(cmd), file, {
          experiment: o.experiment,
          ...(o.variant ? { variant: o.variant } : {}),
          ...(o.tool ? { tool: o.tool } : {}),
        });
      },
    );

  const k6 = program.command('k6').description('k6 interop');
  apiCommand(k6, 'export', "write an experiment's plan, variants and SLO as a runnable k6 script (xk6-sse)")
    .argument('<experiment>', 'experiment id or exact name')
    .option('--out <file>', 'write to this file instead of stdout')
    .action(async (experiment: string, o: { out?: string }, cmd: Command) => {
      const { exportK6 } = await import('./commands/interop-commands.js');
      state.exitCode = await exportK6(await context(cmd), experiment, o.out ? { out: o.out } : {});
    });

  apiCommand(
    program,
    'ci',
    'CI pipeline: apply an experiment file, run it (idempotent), follow it live, judge k6-style thresholds and the baseline gate, write JUnit/Markdown; exit 0 passed, 1 thresholds/regression failed, 2 run failed or cancelled, 3 usage/config error, 4 API unreachable or auth refused',
  )
    .requiredOption(
      '-f, --file <file>',
      'experiment-as-code file (YAML or JSON): experiment body + targets, thresholds, baseline',
    )
    .option(
      '--idempotency-key <key>',
      'a retried step with the same key follows the run the first one started (default: the CI job id + the file hash)',
    )
    .option('--junit <file>', 'write a JUnit XML report (one test case per threshold per load point)')
    .option(
      '--summary-md <file>',
      'write a Markdown summary (also appended to $GITHUB_STEP_SUMMARY when set)',
    )
    .addOption(
      // collected raw and parsed in the action (parsing needs @inferbench/metrics); help still shows "(default: {})"
      new Option(
        '--max-regression <figure=percent>',
        "baseline gate: fail when a figure is worse than the experiment's baseline run beyond noise and this tolerance, e.g. ttft.p95=10% (repeatable)",
      )
        .argParser((v: string, prev: string[]) => [...prev, v])
        .default([] as string[], '{}'),
    )
    .option('--no-baseline', 'skip the baseline gate even when the file sets one')
    .option(
      '--set-baseline',
      'when the run passes, make it the experiment baseline (e.g. on the main branch)',
    )
    .option('--meta <key=value>', 'extra run metadata (repeatable)', collectMeta, {})
    .option('--web-url <url>', 'dashboard URL for links in the summary (env INFERBENCH_WEB_URL)')
    .action(
      async (
        o: {
          file: string;
          idempotencyKey?: string;
          junit?: string;
          summaryMd?: string;
          maxRegression: string[];
          baseline: boolean;
          setBaseline?: boolean;
          meta: Record<string, string>;
          webUrl?: string;
        },
        cmd: Command,
      ) => {
        const [{ ciCommand }, { parseMaxRegressionFlag }] = await Promise.all([
          import('./ci/ci-command.js'),
          import('./ci/config-file.js'),
        ]);
        const maxRegression = o.maxRegression.reduce<Record<string, number>>(
          (acc, v) => parseMaxRegressionFlag(v, acc),
          {},
        );
        state.exitCode = await ciCommand(await context(cmd), { ...o, maxRegression }, signal);
      },
    );

  apiCommand(program, 'apply', 'create or update the targets and experiments of experiment files (by name)')
    .requiredOption(
      '-f, --file <file>',
      'experiment-as-code file, YAML or JSON (repeatable)',
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .action(async (o: { file: string[] }, cmd: Command) => {
      const { applyCommand } = await import('./ci/ci-command.js');
      state.exitCode = await applyCommand(await context(cmd), o.file);
    });

  program
    .command('bench')
    .description(
      'run a load plan locally against an OpenAI-compatible server (no API needed), or compare two results',
    )
    .option('--base-url <url>', 'server URL, e.g. http://127.0.0.1:8000 (a trailing /v1 is fine)')
    .option('--model <name>', 'model name sent in each request')
    .option('--api <kind>', 'endpoint: chat (/v1/chat/completions) or completions (/v1/completions)', 'chat')
    .option('--api-key <key>', 'bearer token (env INFERBENCH_BENCH_API_KEY or OPENAI_API_KEY)')
    .option(
      '--connection <mode>',
      'keep-alive (reuse connections) or close (one connection per request, for servers that close connections after responses)',
      'keep-alive',
    )
    // load plan: one of these (default --concurrency 1)
    .option(
      '--plan <file>',
      'a LoadPlanSpec JSON file (any kind: concurrency, rate, stages, trace, sweep, sla)',
    )
    .option(
      '--concurrency <list>',
      'closed loop: requests kept in flight; a list (1,4,8) runs one point per level',
    )
    .option('--ramp-up <duration>', 'with --concurrency: open the slots linearly over this time (e.g. 10s)')
    .option('--rate <list>', 'open loop: requests per second; a list (2,5,10) runs one point per rate')
    .option('--arrival <kind>', 'open-loop arrivals: poisson (default), constant or gamma')
    .option('--burstiness <k>', 'gamma shape for --arrival gamma (<1 burstier than Poisson)')
    .option(
      '--max-concurrency <n>',
      'open loop: cap on requests in flight; --sweep: concurrency of the saturation probe',
    )
    .option('--stages <list>', 'k6-style ramps, duration:target, e.g. "30s:10,1m:50,30s:0"')
    .option('--stage-mode <mode>', 'what --stages targets: concurrency (default) or rate')
    .option(
      '--stage-start <n>',
      'with --stages: value at t = 0 (default 1 in concurrency mode, 0 in rate mode)',
    )
    .option('--trace <file>', 'replay a JSONL trace (timestamp|tMs|tSec, input/output lengths per line)')
    .option('--speedup <x>', 'with --trace: replay x times faster')
    .option(
      '--sweep',
      'automatic sweep: one stream, a saturation probe, then levels in between (stops early when saturated)',
    )
    .option('--sweep-points <n>', 'with --sweep: load points in all, probes included (default 10)')
    .option(
      '--sweep-mode <mode>',
      'with --sweep: rate (default) or concurrency (doubling until throughput stops growing)',
    )
    .option('--sla <slo>', 'SLA search: the highest level meeting e.g. "p99(ttft)<500ms,p99(tpot)<50ms"')
    .option('--sla-mode <mode>', 'with --sla: search concurrency (default) or rate')
    .option('--sla-min <n>', 'with --sla: first level tried (default 1)')
    .option('--sla-max <n>', 'with --sla: highest level tried (default 256; required in rate mode)')
    .option('--slo <slo>', 'judge every point against this SLO and report goodput, e.g. "p99(ttft)<500ms"')
    // extent and limits (per load point)
    .option(
      '--requests <n>',
      'measured requests per point (default 100 when no --duration and the plan has none)',
    )
    .option(
      '--duration <d>',
      'measured duration per point (30, 30s, 2m); with --requests whichever ends first',
    )
    .option('--warmup <n>', 'warm-up requests per point, sent first and excluded from every figure')
    .option(
      '--seed <s>',
      'seed for arrivals and prompts (same seed, same schedule and prompts; default: a fresh random seed, recorded in --out)',
    )
    .option('--max-duration <d>', 'hard stop per point (default 3600 s)')
    .option('--max-requests <n>', 'hard cap on requests per point')
    .option(
      '--max-error-rate <x>',
      'abort a point once its error rate (0..1) exceeds this; --sweep/--sla also judge points by it',
    )
    // workload
    .option('--workload <file>', 'a WorkloadSpec JSON file')
    .option('--preset <name>', 'a named workload (and plan) preset; see --list-presets')
    .option('--list-presets', 'list workload presets and exit')
    .option('--dataset <source>', 'prompts from builtin:mini-chat or a JSONL file')
    .option('--dataset-format <f>', 'with --dataset: prompts (default), chat or sharegpt')
    .option(
      '--input-tokens <dist>',
      'prompt length: 256, uniform:100-300, normal:256,50, lognormal:200,0.5 (default 256)',
    )
    .option('--output-tokens <dist>', 'max output tokens, same forms as --input-tokens (default 128)')
    .option('--shared-prefix <groups:tokens>', 'synthetic prompts in groups sharing a prefix, e.g. 8:2000')
    .option(
      '--turns <dist>',
      'multi-turn sessions: turns per session (synthetic), or max turns replayed (--dataset)',
    )
    // request parameters
    .option(
      '--ignore-eos',
      'ask the server to ignore EOS so every request generates its max tokens (vLLM, SGLang)',
    )
    .option('--temperature <t>', 'sampling temperature')
    .option(
      '--tokenizer <spec>',
      "tokenizer for prompts and client-side counts: auto (the server's own via its tokenize endpoint, else <--tokenizer-dir>/<model>/tokenizer.json, else o200k_base with a warning), o200k_base, cl100k_base, hf:/path/tokenizer.json",
      'auto',
    )
    .option(
      '--tokenizer-dir <dir>',
      'folder of <model>/tokenizer.json files used by --tokenizer auto (default $INFERBENCH_TOKENIZER_DIR)',
    )
    // output
    .option('--out <file>', 'write the result (config, every point, environment) as JSON')
    .option('--out-requests <file>', 'write every request sample as one JSON line, with its point and level')
    .option('--compare <files...>', 'compare two result files: --compare a.json b.json')
    .option('--json', 'print the result (or the comparison) as JSON on stdout instead of tables')
    .action(async (o: BenchCliOptions & { json?: boolean }) => {
      const json = Boolean(o.json ?? program.opts<GlobalOptions>().json);
      const { benchCommand } = await import('./bench/bench-command.js');
      state.exitCode = await benchCommand(o, json, io, signal);
    });

  program
    .command('eval')
    .description(
      'run an accuracy suite locally against an OpenAI-compatible server (no API needed), or compare two eval results',
    )
    .option('--base-url <url>', 'server URL, e.g. http://127.0.0.1:8000 (a trailing /v1 is fine)')
    .option('--model <name>', 'model name sent in each request')
    .option(
      '--api <kind>',
      "send generation tasks as chat (/v1/chat/completions) or completions (/v1/completions) prompts (default: each task's own format)",
    )
    .option('--api-key <key>', 'bearer token (env INFERBENCH_BENCH_API_KEY or OPENAI_API_KEY)')
    .option(
      '--header <name:value>',
      'extra request header (repeatable)',
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .option('--suite <name|file>', 'built-in suite (mini, mini-likelihood) or a suite YAML/JSON file', 'mini')
    .option('--tasks <ids>', 'only these tasks of the suite, comma-separated')
    .option('--concurrency <n>', 'items evaluated at once, and requests in flight at most (default 8)')
    .option('--limit <n>', 'at most the first n items of each task')
    .option(
      '--seed <s>',
      'generation seed sent to the server for tasks that set none (default 1234; part of the version hash)',
    )
    .option('--timeout <sec>', 'per-request time limit in seconds (default 300)')
    .option('--out <file>', 'write the result (summaries and every item record) as JSON')
    .option(
      '--compare <files...>',
      'compare two result files (--compare a.json b.json), or a baseline file with this run (--compare a.json)',
    )
    .option(
      '--drop <points>',
      'with --compare: size "items needed" to detect a drop of this many points (default 5)',
    )
    .option('--json', 'print the result (or the comparison) as JSON on stdout instead of tables')
    .action(async (o: EvalCliOptions & { json?: boolean }) => {
      const json = Boolean(o.json ?? program.opts<GlobalOptions>().json);
      const { evalCommand } = await import('./eval/eval-command.js');
      state.exitCode = await evalCommand(o, json, io, signal);
    });

  return program;
}

/**
 * Run the CLI with `argv` (user arguments only, without node and script) and return the exit code.
 * Errors become one clear message on stderr.
 */
export async function runCli(
  argv: string[],
  io: CliIo,
  signal: AbortSignal = new AbortController().signal,
): Promise<number> {
  const state = { exitCode: EXIT.ok as number, apiUrl: io.env.INFERBENCH_API_URL ?? DEFAULT_API_URL };
  const program = buildProgram(io, state, signal);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return state.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version are "errors" for commander; usage errors were already printed
      return err.code === 'commander.helpDisplayed' ||
        err.code === 'commander.help' ||
        err.code === 'commander.version'
        ? EXIT.ok
        : EXIT.error;
    }
    const { describeError, exitCodeOf } = await import('./errors.js');
    io.stderr.write(`inferbench: ${describeError(err, state.apiUrl)}\n`);
    return exitCodeOf(err);
  }
}
