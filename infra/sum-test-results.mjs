// Adds up the vitest JSON reports written by each package's `test` script and prints the closing
// line CI reads: "Tests: N passed, N failed". Exits 1 when any test failed or no test ran.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const dir = process.argv[2];
let passed = 0,
  failed = 0,
  skipped = 0,
  files = 0;
for (const f of readdirSync(dir).filter((n) => n.endsWith('.json'))) {
  const r = JSON.parse(readFileSync(path.join(dir, f), 'utf8'));
  files++;
  passed += r.numPassedTests ?? 0;
  // a file that failed to load or crashed has no failed test of its own: count it once
  failed += (r.numFailedTests ?? 0) || (r.success === false ? 1 : 0);
  skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  const fails = (r.testResults ?? []).flatMap((t) =>
    (t.assertionResults ?? [])
      .filter((a) => a.status === 'failed')
      .map((a) => `${path.relative(process.cwd(), t.name)} > ${a.fullName}`),
  );
  for (const x of fails) console.log(`FAILED ${x}`);
}
console.log(`${files} test reports`);
console.log(`Tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
