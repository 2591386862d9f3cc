import { ApiClient } from '@inferbench/api-client';
import { RunTriggerSchema, type RunTrigger } from '@inferbench/contracts';
import { Command, CommanderError, Option } from 'commander';
import { benchCommand, type BenchCliOptions } from './bench/bench-command.js';
import {
  cancelRun,
  getRun,
  listAgents,
  listExperiments,
  listTargets,
  startRun,
  type ApiCommandContext,
} from './commands/api-commands.js';
import { CliError, describeError, EXIT } from './errors.js';
import { DEFAULT_API_URL, type CliIo } from './io.js';

interface GlobalOptions {
  api?: string;
  json?: boolean;
}

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
export function buildProgram(io: CliIo, state: { exitCode: number; apiUrl: string }, signal: AbortSignal): Command {
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
  const context = (cmd: Command): ApiCommandContext => {
    const local = cmd.opts<GlobalOptions>();
    const global = program.opts<GlobalOptions>();
    const apiUrl = local.api ?? global.api ?? io.env.INFERBENCH_API_URL ?? DEFAULT_API_URL;
    state.apiUrl = apiUrl;
    return { api: new ApiClient({ baseUrl: apiUrl }), apiUrl, json: Boolean(local.json ?? global.json), io };
  };
  const apiCommand = (parent: Command, name: string, description: string): Command =>
    parent
      .command(name)
      .description(description)
      .option('--api <url>', 'inferbench API URL (same as the global option)')
      .option('--json', 'machine-readable JSON output');

  const experiments = program.command('experiments').description('experiments stored in the API');
  apiCommand(experiments, 'list', 'list experiments: id, name, tags, variants, last run').action(async (_o, cmd: Command) => {
    state.exitCode = await listExperiments(context(cmd));
  });

  const targets = program.command('targets').description('inference endpoints known to the API');
  apiCommand(targets, 'list', 'list targets').action(async (_o, cmd: Command) => {
    state.exitCode = await listTargets(context(cmd));
  });

  const agents = program.command('agents').description('load-generating agents');
  apiCommand(agents, 'list', 'list live agents with their pool and state').action(async (_o, cmd: Command) => {
    state.exitCode = await listAgents(context(cmd));
  });

  const run = program.command('run').description('start, follow, inspect and cancel runs');
  apiCommand(run, 'start', 'start a run of an experiment (id or exact name)')
    .argument('<experiment>', 'experiment id or exact name')
    .option('--wait', 'follow the run live, print the summary table, exit 0 only when it completed (2 failed, 3 cancelled)')
    .addOption(new Option('--trigger <trigger>', 'who started the run').choices(['ci', 'api']).default('api'))
    .option('--meta <key=value>', 'metadata recorded with the run (repeatable), e.g. --meta gitSha=abc123', collectMeta, {})
    .action(async (experiment: string, o: { wait?: boolean; trigger: string; meta: Record<string, string> }, cmd: Command) => {
      const trigger: RunTrigger = RunTriggerSchema.parse(o.trigger);
      state.exitCode = await startRun(context(cmd), experiment, { wait: Boolean(o.wait), trigger, metadata: o.meta }, signal);
    });
  apiCommand(run, 'get', 'show a run and its per-load-point summary')
    .argument('<id>', 'run id')
    .action(async (id: string, _o, cmd: Command) => {
      state.exitCode = await getRun(context(cmd), id);
    });
  apiCommand(run, 'cancel', 'cancel a queued or running run')
    .argument('<id>', 'run id')
    .action(async (id: string, _o, cmd: Command) => {
      state.exitCode = await cancelRun(context(cmd), id);
    });

  program
    .command('bench')
    .description('run one load point locally against an OpenAI-compatible server (no API needed), or compare two results')
    .option('--base-url <url>', 'server URL, e.g. http://127.0.0.1:8000 (a trailing /v1 is fine)')
    .option('--model <name>', 'model name sent in each request')
    .option('--api <kind>', 'endpoint: chat (/v1/chat/completions) or completions (/v1/completions)', 'chat')
    .option('--api-key <key>', 'bearer token (env INFERBENCH_BENCH_API_KEY or OPENAI_API_KEY)')
    .option('--concurrency <n>', 'closed loop: requests kept in flight (default 1)')
    .option('--rate <r>', 'open loop: requests per second')
    .option('--arrival <kind>', 'open-loop arrivals: poisson (default), constant or gamma')
    .option('--burstiness <k>', 'gamma shape for --arrival gamma (<1 burstier than Poisson)')
    .option('--max-concurrency <n>', 'open loop: cap on requests in flight')
    .option('--requests <n>', 'measured requests (default 100 when --duration is not given)')
    .option('--duration <s>', 'measured duration in seconds (with --requests: whichever ends first)')
    .option('--input-tokens <n>', 'prompt length in tokens (exact, with --tokenizer)', '256')
    .option('--output-tokens <n>', 'max output tokens per request', '128')
    .option('--ignore-eos', 'ask the server to ignore EOS so every request generates --output-tokens (vLLM, SGLang)')
    .option('--temperature <t>', 'sampling temperature')
    .option('--warmup <n>', 'warm-up requests sent first and excluded from every figure', '0')
    .option('--seed <s>', 'seed for arrivals and prompts (same seed, same schedule)', '1')
    .option('--tokenizer <spec>', 'tokenizer for prompts and client-side counts', 'o200k_base')
    .option('--max-duration <s>', 'hard stop in seconds', '3600')
    .option('--out <file>', 'write the result (config, summary, environment) as JSON')
    .option('--out-requests <file>', 'write every request sample as one JSON line')
    .option('--compare <files...>', 'compare two result files: --compare a.json b.json')
    .option('--json', 'print the result (or the comparison) as JSON on stdout instead of tables')
    .action(async (o: BenchCliOptions & { json?: boolean }) => {
      const json = Boolean(o.json ?? program.opts<GlobalOptions>().json);
      state.exitCode = await benchCommand(o, json, io, signal);
    });

  return program;
}

/**
 * Run the CLI with `argv` (user arguments only, without node and script) and return the exit code.
 * Errors become one clear message on stderr.
 */
export async function runCli(argv: string[], io: CliIo, signal: AbortSignal = new AbortController().signal): Promise<number> {
  const state = { exitCode: EXIT.ok as number, apiUrl: io.env.INFERBENCH_API_URL ?? DEFAULT_API_URL };
  const program = buildProgram(io, state, signal);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return state.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version are "errors" for commander; usage errors were already printed
      return err.code === 'commander.helpDisplayed' || err.code === 'commander.help' || err.code === 'commander.version'
        ? EXIT.ok
        : EXIT.error;
    }
    io.stderr.write(`inferbench: ${describeError(err, state.apiUrl)}\n`);
    return err instanceof CliError ? err.exitCode : EXIT.error;
  }
}
