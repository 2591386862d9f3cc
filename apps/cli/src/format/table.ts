/** Column alignment: numbers read best right-aligned. */
export type Align = 'left' | 'right';

export interface TableOptions {
  /** per-column alignment; default: left for the first column, right for the others */
  align?: Align[];
}

/** Visible width of a string (ANSI colour codes take no room). */
function visibleLength(s: string): number {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\u001b\[[0-9;]*m/g, '').length;
}

/** Render rows as a plain-text table with a header rule; every cell is already a string. */
export function renderTable(headers: string[], rows: string[][], opts: TableOptions = {}): string {
  const widths = headers.map((h, i) =>
    Math.max(visibleLength(h), ...rows.map((r) => visibleLength(r[i] ?? ''))),
  );
  const align = (i: number): Align => opts.align?.[i] ?? (i === 0 ? 'left' : 'right');
  const pad = (s: string, i: number): string => {
    const fill = ' '.repeat(Math.max(0, widths[i]! - visibleLength(s)));
    return align(i) === 'left' ? s + fill : fill + s;
  };
  const line = (cells: string[]): string =>
    headers
      .map((_, i) => pad(cells[i] ?? '', i))
      .join('  ')
      .trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n') + '\n';
}
