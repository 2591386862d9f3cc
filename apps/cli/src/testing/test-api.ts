/**
 * The one credential of the CLI's integration tests: the in-process API accepts CLI_TEST_TOKEN as an admin token
 * (INFERBENCH_BOOTSTRAP_TOKEN, honoured in development and test), `runInferbench` sends it as INFERBENCH_TOKEN unless
 * a test sets its own, and test clients pass it as `token`.
 */
export const CLI_TEST_TOKEN = 'cli-test-bootstrap-token-0123456789abcdef';

/**
 * Spread into `loadConfig({...})` of an API the CLI tests start: the bootstrap credential, no rate limit, and no
 * Prometheus listener (`METRICS_PORT=0`: the fixed default port is shared by every API on this machine).
 */
export const TEST_API_AUTH_ENV = {
  NODE_ENV: 'test',
  INFERBENCH_BOOTSTRAP_TOKEN: CLI_TEST_TOKEN,
  RATE_LIMIT_PER_MINUTE: '0',
  METRICS_PORT: '0',
} as const;

/** Spread into `loadConfig({...})` of an agent the CLI tests start: no Prometheus listener. */
export const TEST_AGENT_ENV = { AGENT_METRICS_PORT: '0' } as const;
