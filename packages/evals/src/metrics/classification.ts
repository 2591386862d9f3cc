/**
 * Classification metrics over a fixed label set. A prediction of `null` (no answer could be extracted) or a
 * value outside the label set is a false negative for the true label and a false positive for no label; it still
 * counts in accuracy's denominator. Precision of a label never predicted is 0 (sklearn `zero_division=0`).
 */
export interface PerLabelScores {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  /** items whose reference is this label */
  support: number;
  /** items predicted as this label */
  predicted: number;
  truePositives: number;
}

export interface PrfTriple {
  precision: number;
  recall: number;
  f1: number;
}

export interface ClassificationReport {
  n: number;
  accuracy: number;
  /** unweighted mean over labels of per-label P, R, F1 (F1 is the mean of per-label F1s) */
  macro: PrfTriple;
  /** pooled counts: P = ΣTP / Σpredicted-in-set, R = ΣTP / Σsupport, F1 = 2PR/(P+R) */
  micro: PrfTriple;
  /** mean of per-label P, R, F1 weighted by support */
  weighted: PrfTriple;
  perLabel: PerLabelScores[];
  /** predictions that are null or outside the label set */
  unlabeled: number;
  /** confusion[trueIndex][predIndex]; the extra last column counts null / out-of-set predictions */
  confusion: number[][];
}

const f1Of = (p: number, r: number): number => (p + r > 0 ? (2 * p * r) / (p + r) : 0);

export function classificationReport(
  references: readonly string[],
  predictions: readonly (string | null)[],
  labels: readonly string[],
): ClassificationReport {
  if (references.length !== predictions.length) throw new Error('classificationReport: lengths differ');
  const index = new Map<string, number>();
  labels.forEach((l, i) => index.set(l, i));
  const k = labels.length;
  const confusion = Array.from({ length: k }, () => new Array<number>(k + 1).fill(0));
  const support = new Array<number>(k).fill(0);
  const predicted = new Array<number>(k).fill(0);
  const tp = new Array<number>(k).fill(0);
  let correct = 0;
  let unlabeled = 0;
  for (let i = 0; i < references.length; i++) {
    const t = index.get(references[i]!);
    const pr = predictions[i];
    const p = pr === null || pr === undefined ? undefined : index.get(pr);
    if (p === undefined) unlabeled++;
    else predicted[p]!++;
    if (t === undefined) continue; // a reference outside the label set: counts in n only
    support[t]!++;
    confusion[t]![p ?? k]!++;
    if (p === t) {
      tp[t]!++;
      correct++;
    }
  }
  const perLabel: PerLabelScores[] = labels.map((label, i) => {
    const precision = predicted[i]! > 0 ? tp[i]! / predicted[i]! : 0;
    const recall = support[i]! > 0 ? tp[i]! / support[i]! : 0;
    return {
      label,
      precision,
      recall,
      f1: f1Of(precision, recall),
      support: support[i]!,
      predicted: predicted[i]!,
      truePositives: tp[i]!,
    };
  });
  const mean = (f: (x: PerLabelScores) => number): number =>
    k > 0 ? perLabel.reduce((s, x) => s + f(x), 0) / k : 0;
  const totalSupport = support.reduce((a, b) => a + b, 0);
  const wmean = (f: (x: PerLabelScores) => number): number =>
    totalSupport > 0 ? perLabel.reduce((s, x) => s + f(x) * x.support, 0) / totalSupport : 0;
  const sumTp = tp.reduce((a, b) => a + b, 0);
  const sumPred = predicted.reduce((a, b) => a + b, 0);
  const microP = sumPred > 0 ? sumTp / sumPred : 0;
  const microR = totalSupport > 0 ? sumTp / totalSupport : 0;
  return {
    n: references.length,
    accuracy: references.length > 0 ? correct / references.length : 0,
    macro: { precision: mean((x) => x.precision), recall: mean((x) => x.recall), f1: mean((x) => x.f1) },
    micro: { precision: microP, recall: microR, f1: f1Of(microP, microR) },
    weighted: {
      precision: wmean((x) => x.precision),
      recall: wmean((x) => x.recall),
      f1: wmean((x) => x.f1),
    },
    perLabel,
    unlabeled,
    confusion,
  };
}
