/**
 * CLI entry: `pnpm --filter @inferbench/sim start`.
 * Env: SIM_PORT (8100), SIM_HOST (127.0.0.1), SIM_SEED (1), SIM_MODELS (comma list of served
 * model names; default all built-in profiles), SIM_DEFAULT_MODEL (used when a request has no
 * `model`), SIM_ANSWER_KEY (1; 0 = never recognise eval items, synthetic text only). Prints one line with the URL.
 */
import { startSim } from './server.js';

function intEnv(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${v}"`);
  return n;
}

const models = process.env.SIM_MODELS?.split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const sim = await startSim({
  port: intEnv('SIM_PORT', 8100),
  host: process.env.SIM_HOST || '127.0.0.1',
  seed: intEnv('SIM_SEED', 1),
  ...(models && models.length > 0 ? { models } : {}),
  ...(process.env.SIM_DEFAULT_MODEL ? { defaultProfile: process.env.SIM_DEFAULT_MODEL } : {}),
  answerKey: intEnv('SIM_ANSWER_KEY', 1) !== 0,
});
process.stdout.write(`inferbench-sim listening on ${sim.url}\n`);

let isStopping = false;
const stop = (): void => {
  if (isStopping) return;
  isStopping = true;
  void sim.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
