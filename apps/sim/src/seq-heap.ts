import type { Seq } from './seq.js';

/** Binary min-heap of sequences by nextDueMs (ties by id, for determinism). */
export class SeqHeap {
  private readonly a: Seq[] = [];
  private static less(x: Seq, y: Seq): boolean {
    return x.nextDueMs < y.nextDueMs || (x.nextDueMs === y.nextDueMs && x.id < y.id);
  }
  peek(): Seq | undefined {
    return this.a[0];
  }
  push(s: Seq): void {
    const a = this.a;
    a.push(s);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!SeqHeap.less(a[i]!, a[parent]!)) break;
      [a[i], a[parent]] = [a[parent]!, a[i]!];
      i = parent;
    }
  }
  pop(): Seq | undefined {
    const a = this.a;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && SeqHeap.less(a[l]!, a[m]!)) m = l;
        if (r < a.length && SeqHeap.less(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }
}
