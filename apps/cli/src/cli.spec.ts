import { readFileSync } from 'node:fs';
import { SourceToolSchema } from '@inferbench/contracts';
import { Option } from 'commander';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { CliIo } from './io.js';

// cli.ts loads command modules with `await import()` in the actions; vi.mock applies to those too
const ciCommand = vi.fn(async () => 0);
vi.mock('./ci/ci-command.js', () => ({ ciCommand, applyCommand: vi.fn(async () => 0) }));

const { buildProgram, runCli } = await import('./cli.js');

function memoryIo(): CliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    env: {},
    out: () => out,
    err: () => err,
  };
}

describe('cli (lazy command modules)', () => {
  beforeEach(() => ciCommand.mockClear());

  it('cli.ts imports at start-up only commander and dependency-free modules (keeps `--help` fast)', () => {
    const source = readFileSync(new URL('./cli.ts', import.meta.url), 'utf8');
    const valueImports = [...source.matchAll(/^import (?!type )[^;]*? from '([^']+)';/gms)].map((m) => m[1]);
    expect(valueImports).toEqual(['commander', './cli-error.js', './io.js']);
  });

  it('import --tool offers exactly the tools of SourceToolSchema, in order', () => {
    const program = buildProgram(memoryIo(), { exitCode: 0, apiUrl: '' }, new AbortController().signal);
    const tool = program.commands
      .find((c) => c.name() === 'import')!
      .options.find((o: Option) => o.long === '--tool')!;
    expect(tool.argChoices).toEqual(SourceToolSchema.options);
  });

  it('ci --max-regression: repeated flags reach the command as one record; the help shows (default: {})', async () => {
    const io = memoryIo();
    const code = await runCli(
      ['ci', '-f', 'perf.yaml', '--max-regression', 'ttft.p95=10%', '--max-regression', 'output_tps=5'],
      io,
    );
    expect(code).toBe(0);
    expect(ciCommand).toHaveBeenCalledTimes(1);
    expect(ciCommand.mock.calls[0]).toEqual([
      expect.anything(),
      expect.objectContaining({ file: 'perf.yaml', maxRegression: { 'ttft.p95': 10, output_tps: 5 } }),
      expect.anything(),
    ]);

    const help = memoryIo();
    expect(await runCli(['ci', '--help'], help)).toBe(0);
    expect(help.out()).toMatch(/--max-regression <figure=percent>[\s\S]*\(default: \{\}\)/);
  });

  it('ci --max-regression with a bad rule exits 3 naming it, without running the command', async () => {
    const io = memoryIo();
    const code = await runCli(['ci', '-f', 'perf.yaml', '--max-regression', 'bogus=10%'], io);
    expect(code).toBe(3);
    expect(io.err()).toMatch(/^inferbench: --max-regression bogus: unknown figure/);
    expect(ciCommand).not.toHaveBeenCalled();
  });
});
