// Live drift of one model version: bins every row of every request into a sliding window; compares on demand.
import type { Tensor } from '../../inference/tensor.js';
import type { DriftSettings } from '../../repository/monitoring-config.js';
import type { WatchPlan } from '../monitor-plan.js';
import { classAt, numberAt, rowsOf, rowWidth } from '../tensor-values.js';
import { binnedKs, jensenShannon, lInfinity, psi, toProportions } from './statistics.js';
import { SlidingWindow } from './window.js';

export interface DistributionDrift {
  name: string;
  type: WatchPlan['type'];
  /** Numeric: PSI and binned KS. Categorical and classes: Jensen-Shannon distance and L-infinity. */
  psi?: number;
  ks?: number;
  js?: number;
  linf?: number;
  /** Live share of missing values (features). */
  missing?: number;
  /** Live share of rows per class (classes outputs). */
  classShares?: number[];
  drifted: boolean;
}

export interface DriftSnapshot {
  /** Rows in the window. */
  samples: number;
  /** False below the minimum sample count: then no statistic and no verdict is given. */
  ready: boolean;
  features: DistributionDrift[];
  outputs: DistributionDrift[];
  /** Share of features that drift, and whether that reaches the dataset threshold. */
  driftedShare?: number;
  datasetDrifted?: boolean;
  predictionDrifted?: boolean;
}

interface Placed extends WatchPlan {
  offset: number;
}

/** The watches reading one tensor, so each request looks the tensor up and measures it once. */
interface TensorGroup {
  tensor: string;
  watches: Placed[];
}

function groupByTensor(watches: Placed[]): TensorGroup[] {
  const groups = new Map<string, Placed[]>();
  for (const w of watches) groups.set(w.tensor, [...(groups.get(w.tensor) ?? []), w]);
  return [...groups].map(([tensor, list]) => ({ tensor, watches: list }));
}

const SAMPLES = 0;

/** Memory is fixed at construction: (1 + Σ slots) × buckets int32 counters, whatever the traffic. */
export class DriftMonitor {
  readonly #features: Placed[];
  readonly #outputs: Placed[];
  readonly #inputGroups: TensorGroup[];
  readonly #outputGroups: TensorGroup[];
  readonly #window: SlidingWindow;
  readonly #now: () => number;
  #mutations = 0;
  #cached: { key: string; settings: DriftSettings; snapshot: DriftSnapshot } | null = null;

  constructor(plan: { features: WatchPlan[]; outputs: WatchPlan[] }, window: DriftSettings['window'], now: () => number = Date.now) {
    let offset = 1;
    const place = (w: WatchPlan): Placed => {
      const placed = { ...w, offset };
      offset += w.reference.length;
      return placed;
    };
    this.#features = plan.features.map(place);
    this.#outputs = plan.outputs.map(place);
    this.#inputGroups = groupByTensor(this.#features);
    this.#outputGroups = groupByTensor(this.#outputs);
    this.#window = new SlidingWindow({ slots: offset, windowMs: window.seconds * 1000, buckets: window.buckets });
    this.#now = now;
  }

  get bytes(): number {
    return this.#window.bytes;
  }

  /** Counts one request's rows. Tensors are read, never copied or kept. `at`: the caller's clock reading (ms), if it has one. */
  observe(inputs: Record<string, Tensor>, outputs: Record<string, Tensor>, at = this.#now()): void {
    const bucket = this.#window.advance(at);
    const first = this.#features[0] === undefined ? outputs[this.#outputs[0]?.tensor] : inputs[this.#features[0].tensor];
    if (first === undefined) return;
    this.#window.ring[bucket + SAMPLES] += rowsOf(first);
    for (const group of this.#inputGroups) this.#countGroup(bucket, group, inputs[group.tensor]);
    for (const group of this.#outputGroups) this.#countGroup(bucket, group, outputs[group.tensor]);
    this.#mutations++;
  }

  #countGroup(bucket: number, group: TensorGroup, tensor: Tensor | undefined): void {
    if (tensor === undefined) return;
    const rows = rowsOf(tensor);
    const width = rowWidth(tensor);
    for (const w of group.watches) if (w.column < width) this.#count(bucket + w.offset, w, tensor.data, rows, width);
  }

  /** NOTE: a dynamic row width narrower than the profile's leaves a column unread (checked by the caller). */
  #count(at: number, w: Placed, data: Tensor['data'], rows: number, width: number): void {
    const ring = this.#window.ring;
    if (w.numeric !== undefined && w.kind === 'number') {
      w.numeric.countColumn(data as ArrayLike<number>, w.column, width, rows, ring, at);
      return;
    }
    if (w.reader === 'argmax' && w.kind === 'number') {
      countArgmax(data as ArrayLike<number>, width, rows, ring, at);
      return;
    }
    for (let r = 0; r < rows; r++) {
      const index = r * width + w.column;
      let slot: number;
      if (w.numeric !== undefined) slot = w.numeric.slot(numberAt(data, w.kind, index));
      else if (w.categorical !== undefined) {
        slot = w.kind === 'string' ? w.categorical.slotOfString(data[index] as string) : w.categorical.slotOfNumber(numberAt(data, w.kind, index));
      } else {
        const c = classAt(data, w.kind, w.reader!, r, width, w.classes);
        slot = c >= 0 && c < w.classes! ? c : w.classes!;
      }
      ring[at + slot]++;
    }
  }

  /** The window compared with the reference under `settings` (thresholds may change while the window lives). */
  snapshot(settings: DriftSettings): DriftSnapshot {
    const now = this.#now();
    const key = `${this.#mutations}:${Math.floor(now / this.#window.bucketMs)}`;
    if (this.#cached?.key === key && this.#cached.settings === settings) return this.#cached.snapshot;
    const totals = this.#window.totals(now);
    const samples = totals[SAMPLES];
    const snapshot: DriftSnapshot = { samples, ready: samples >= settings.minSamples, features: [], outputs: [] };
    if (snapshot.ready) {
      const compare = (w: Placed) => compareDistribution(w, totals.subarray(w.offset, w.offset + w.reference.length), settings);
      snapshot.features = this.#features.map(compare);
      snapshot.outputs = this.#outputs.map(compare);
      const drifted = snapshot.features.filter((f) => f.drifted).length;
      snapshot.driftedShare = this.#features.length === 0 ? 0 : drifted / this.#features.length;
      snapshot.datasetDrifted = this.#features.length > 0 && snapshot.driftedShare >= settings.datasetShare;
      snapshot.predictionDrifted = snapshot.outputs.some((o) => o.drifted);
    }
    this.#cached = { key, settings, snapshot };
    return snapshot;
  }
}

/** Counts each row's top class (the first of equal scores; a row of NaN counts as "other", the last slot). */
function countArgmax(scores: ArrayLike<number>, width: number, rows: number, counts: Int32Array | Float64Array, at: number): void {
  for (let r = 0, base = 0; r < rows; r++, base += width) {
    let best = width;
    let bestValue = -Infinity;
    for (let i = 0; i < width; i++) {
      const v = scores[base + i];
      if (v > bestValue) {
        bestValue = v;
        best = i;
      }
    }
    counts[at + best]++;
  }
}

/** One distribution's statistics and verdict: numeric by PSI or KS, categorical and classes by JS or L-infinity. */
export function compareDistribution(w: WatchPlan, counts: ArrayLike<number>, t: DriftSettings): DistributionDrift {
  const live = toProportions(counts);
  const base = { name: w.name, type: w.type };
  if (w.type === 'numeric') {
    const result = { ...base, psi: psi(w.reference, live), ks: binnedKs(w.reference, live), missing: live[live.length - 1] };
    return { ...result, drifted: result.psi >= t.psi || result.ks >= t.ks };
  }
  const result = { ...base, js: jensenShannon(w.reference, live), linf: lInfinity(w.reference, live) };
  const extra = w.type === 'classes' ? { classShares: Array.from(live.subarray(0, w.classes)) } : { missing: live[live.length - 1] };
  return { ...result, ...extra, drifted: result.js >= t.js || result.linf >= t.linf };
}
