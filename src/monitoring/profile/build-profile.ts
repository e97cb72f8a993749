// Reference statistics of a data set, as profile.json holds them: quantile bins, top-K categories, classes.
import type { UnhashedProfile } from '../../repository/profile-file.js';
import type { ProfilePerformance } from '../../schemas/profile.js';
import { CategoricalBinner, NumericBinner } from '../drift/binning.js';

export type CategoryValue = string | number | null;

export interface FeatureColumn {
  name: string;
  input: string;
  column: number;
  type: 'numeric' | 'categorical';
  /** Numeric: numbers, NaN when missing. Categorical: strings or numbers; null, NaN or '' when missing. */
  values: ArrayLike<number> | readonly CategoryValue[];
}

export type OutputColumn =
  | { name: string; type: 'numeric'; values: ArrayLike<number> }
  | { name: string; type: 'classes'; classes: number; values: ArrayLike<number> };

export interface ProfileInput {
  rows: number;
  source?: string;
  features: FeatureColumn[];
  outputs: OutputColumn[];
  performance?: ProfilePerformance;
  /** Quantile bins within the reference range (default 10: deciles). */
  bins?: number;
  /** Categories kept per categorical feature (default 20); the rest are "other". */
  topK?: number;
}

const isMissing = (v: CategoryValue): boolean => v === null || v === '' || (typeof v === 'number' && Number.isNaN(v));

function shares(counts: ArrayLike<number>, total: number): number[] {
  return Array.from(counts, (c) => c / total);
}

/** Edges at the reference quantiles k/bins (the value at rank ⌊k·n/bins⌋), deduplicated, within (min, max]. */
export function numericStats(name: string, values: ArrayLike<number>, bins = 10) {
  const present = Float64Array.from(Array.from(values).filter((v) => !Number.isNaN(v))).sort();
  const n = present.length;
  if (n === 0) throw new Error(`'${name}' has no values in the reference data`);
  const min = present[0];
  const max = present[n - 1];
  const edges: number[] = [];
  for (let k = 1; k < bins; k++) {
    const edge = present[Math.floor((k * n) / bins)];
    if (edge > min && edge > (edges.at(-1) ?? min)) edges.push(edge);
  }
  const binner = new NumericBinner(min, max, edges);
  const counts = new Float64Array(binner.slots - 1);
  let sum = 0;
  for (const v of present) {
    counts[binner.slot(v)]++;
    sum += v;
  }
  const mean = sum / n;
  let squares = 0;
  for (const v of present) squares += (v - mean) ** 2;
  return { type: 'numeric' as const, min, max, edges, proportions: shares(counts, n), mean, std: Math.sqrt(squares / n), missingRate: (values.length - n) / values.length };
}

/** The `topK` most frequent values (ties by value), then "other". */
export function categoricalStats(name: string, values: readonly CategoryValue[] | ArrayLike<number>, topK = 20) {
  const counts = new Map<string, number>();
  let present = 0;
  for (const v of Array.from(values as ArrayLike<CategoryValue>)) {
    if (isMissing(v)) continue;
    present++;
    counts.set(String(v), (counts.get(String(v)) ?? 0) + 1);
  }
  if (present === 0) throw new Error(`'${name}' has no values in the reference data`);
  const categories = [...counts.entries()]
    .sort(([a, ca], [b, cb]) => cb - ca || (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, topK)
    .map(([c]) => c);
  const binner = new CategoricalBinner(categories);
  const slots = new Float64Array(categories.length + 1);
  for (const [value, count] of counts) slots[binner.slotOfString(value)] += count;
  return { type: 'categorical' as const, categories, proportions: shares(slots, present), missingRate: (values.length - present) / values.length };
}

/** Share of rows per class index; indices outside [0, classes) count as "other" (the last slot). */
export function classStats(values: ArrayLike<number>, classes: number) {
  const counts = new Float64Array(classes + 1);
  for (let i = 0; i < values.length; i++) {
    const c = values[i];
    counts[Number.isInteger(c) && c >= 0 && c < classes ? c : classes]++;
  }
  return { type: 'classes' as const, classes, proportions: shares(counts, values.length) };
}

export function classificationPerformance(output: string, predicted: ArrayLike<number>, actual: ArrayLike<number>): ProfilePerformance {
  if (predicted.length !== actual.length || actual.length === 0) throw new Error('predictions and labels must be non-empty and as many');
  let correct = 0;
  for (let i = 0; i < actual.length; i++) if (predicted[i] === actual[i]) correct++;
  return { task: 'classification', output, rows: actual.length, accuracy: correct / actual.length };
}

export function regressionPerformance(output: string, predicted: ArrayLike<number>, actual: ArrayLike<number>): ProfilePerformance {
  if (predicted.length !== actual.length || actual.length === 0) throw new Error('predictions and observed values must be non-empty and as many');
  let abs = 0;
  let sq = 0;
  for (let i = 0; i < actual.length; i++) {
    const e = predicted[i] - actual[i];
    abs += Math.abs(e);
    sq += e * e;
  }
  return { task: 'regression', output, rows: actual.length, mae: abs / actual.length, rmse: Math.sqrt(sq / actual.length) };
}

export function buildProfile(input: ProfileInput): UnhashedProfile {
  const features = input.features.map((f) => {
    const key = { name: f.name, input: f.input, column: f.column };
    if (f.values.length !== input.rows) throw new Error(`'${f.name}' has ${f.values.length} values for ${input.rows} rows`);
    return f.type === 'numeric' ? { ...key, ...numericStats(f.name, f.values as ArrayLike<number>, input.bins) } : { ...key, ...categoricalStats(f.name, f.values, input.topK) };
  });
  const outputs = input.outputs.map((o) =>
    o.type === 'numeric' ? { name: o.name, ...numericStats(o.name, o.values, input.bins) } : { name: o.name, ...classStats(o.values, o.classes) },
  );
  return { rows: input.rows, ...(input.source === undefined ? {} : { source: input.source }), features, outputs, ...(input.performance === undefined ? {} : { performance: input.performance }) };
}
