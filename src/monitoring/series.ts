// Removing every series of a metric that matches some labels (prom-client removes only exact label sets).
import type { Counter, Gauge, Histogram } from 'prom-client';

type AnyMetric = Counter<string> | Gauge<string> | Histogram<string>;

/** Drops all series whose labels include `match`, e.g. everything of an unloaded model version. */
export async function removeSeries(metric: AnyMetric, match: Record<string, string>): Promise<void> {
  const { values } = await metric.get();
  const seen = new Set<string>();
  for (const { labels } of values) {
    if (!Object.entries(match).every(([k, v]) => String(labels[k]) === v)) continue;
    const { le: _bucket, quantile: _q, ...own } = labels as Record<string, string | number>;
    const key = JSON.stringify(own);
    if (seen.has(key)) continue;
    seen.add(key);
    metric.remove(own);
  }
}
