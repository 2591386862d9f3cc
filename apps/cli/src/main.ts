/** Entry point of the `inferbench` command (bin/inferbench.js loads it through tsx). */
import { runCli } from './cli.js';

const ctl = new AbortController();
let interrupts = 0;
const onSignal = (): void => {
  // first Ctrl-C: stop gracefully (bench prints what it measured); second: leave at once
  if (++interrupts > 1) process.exit(130);
  ctl.abort();
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

const code = await runCli(
  process.argv.slice(2),
  { stdout: process.stdout, stderr: process.stderr, env: process.env },
  ctl.signal,
);
process.exitCode = code;
// open keep-alive sockets or timers of libraries must not keep a finished command alive
setTimeout(() => process.exit(code), 200).unref();
