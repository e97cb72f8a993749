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

const SAMPLES = 0;

/** Memory is fixed at construction: (1 + Σ slots) × buckets int32 counters, whatever the traffic. */
export class DriftMonitor {
  readonly #features: Placed[];
  readonly #outputs: Placed[];
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
    this.#window = new SlidingWindow({ slots: offset, windowMs: window.seconds * 1000, buckets: window.buckets });
    this.#now = now;
  }

  get bytes(): number {
    return this.#window.bytes;
  }

  /** Counts one request's rows. Tensors are read, never copied or kept. */
  observe(inputs: Record<string, Tensor>, outputs: Record<string, Tensor>): void {
    const bucket = this.#window.advance(this.#now());
    const first = this.#features[0] === undefined ? outputs[this.#outputs[0]?.tensor] : inputs[this.#features[0].tensor];
    if (first === undefined) return;
    this.#window.addAt(bucket, SAMPLES, rowsOf(first));
    for (const f of this.#features) if (inputs[f.tensor] !== undefined) this.#count(bucket, f, inputs[f.tensor]);
    for (const o of this.#outputs) if (outputs[o.tensor] !== undefined) this.#count(bucket, o, outputs[o.tensor]);
    this.#mutations++;
  }

  #count(bucket: number, w: Placed, tensor: Tensor): void {
    const rows = rowsOf(tensor);
    const width = rowWidth(tensor);
    if (w.column >= width) return; // NOTE: a dynamic row width narrower than the profile's; nothing to read
    const { data } = tensor;
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
      this.#window.addAt(bucket, w.offset + slot, 1);
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
