/** Small, exact statistics for the analyses (no dependencies). */

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function mean(values: readonly number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : Number.NaN;
}

/**
 * The modified z-score of `x` against `history` (Iglewicz & Hoaglin): 0.6745 (x - median) / MAD.
 * When MAD is 0 (over half the history is one value), the mean absolute deviation stands in,
 * scaled by 1.253314 (its ratio to the standard deviation of a normal distribution). When both
 * are 0, any x off the median is infinitely unusual and x on it is not unusual at all.
 */
export function modifiedZScore(x: number, history: readonly number[]): { score: number; baseline: number } {
  const m = median(history);
  const mad = median(history.map((v) => Math.abs(v - m)));
  if (mad > 0) return { score: (0.6745 * (x - m)) / mad, baseline: m };
  const meanAd = mean(history.map((v) => Math.abs(v - m)));
  if (meanAd > 0) return { score: (x - m) / (1.253314 * meanAd), baseline: m };
  return { score: x === m ? 0 : x > m ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY, baseline: m };
}

/** Least-squares slope of y over x. */
export function slope(points: readonly { x: number; y: number }[]): number {
  if (points.length < 2) return 0;
  const mx = mean(points.map((p) => p.x));
  const my = mean(points.map((p) => p.y));
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.x - mx) * (p.y - my);
    den += (p.x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}
