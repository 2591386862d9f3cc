import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importResultFile, MAPPING_TABLE, type SourceTool } from '../src/index.js';
import { FIXTURES, fixture } from './helpers.js';

const readme = readFileSync(join(FIXTURES, '..', '..', 'README.md'), 'utf8');
/** README table rows as trimmed cells joined by '|' (column padding from the formatter ignored). */
const rows = new Set(
  readme
    .split('\n')
    .filter((l) => l.startsWith('|'))
    .map((l) =>
      l
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim())
        .join('|'),
    ),
);

const FIXTURE_OF: Record<SourceTool, string[]> = {
  vllm: ['vllm-detailed.json', 'vllm-aggregates.json'],
  guidellm: ['guidellm.json'],
  aiperf: ['aiperf.json'],
  'inference-perf': ['inference-perf.json'],
  k6: ['k6-summary-export.json', 'k6-handle-summary.json'],
};

describe('mapping table', () => {
  it('README lists every rule', () => {
    for (const r of MAPPING_TABLE) {
      const row = [r.tool, `\`${r.peer}\``, `\`${r.ours}\``, r.relation, r.note].join('|');
      expect([r.peer, rows.has(row)]).toEqual([r.peer, true]);
    }
  });

  it('importers store each peer figure under the table name with the table relation', () => {
    let checked = 0;
    for (const [tool, files] of Object.entries(FIXTURE_OF) as [SourceTool, string[]][]) {
      for (const f of files) {
        const p = importResultFile(fixture(f)).points[0]!;
        for (const r of MAPPING_TABLE.filter((x) => x.tool === tool)) {
          const peer = r.peer.replace('*_', '');
          const hits = Object.entries(p.sources).filter(([, s]) => s.key.includes(peer));
          for (const [ours, s] of hits) {
            // a source naming this peer key must be stored under the table's name (unless another
            // longer peer key also matches, e.g. request_throughput vs request_throughput_per_user)
            const longer = MAPPING_TABLE.some(
              (x) => x.tool === tool && x.peer !== r.peer && x.peer.includes(peer) && s.key.includes(x.peer),
            );
            if (longer) continue;
            expect([tool, r.peer, ours, s.relation]).toEqual([tool, r.peer, r.ours, r.relation]);
            checked++;
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(30);
  });
});
