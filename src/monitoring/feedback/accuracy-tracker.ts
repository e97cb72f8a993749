// Rolling live accuracy (classification) or MAE/RMSE (regression) of one version, from labelled rows.
import type { AccuracySettings } from '../../repository/monitoring-config.js';
import type { ProfilePerformance } from '../../schemas/profile.js';
import { SlidingWindow } from '../drift/window.js';

export interface AccuracySnapshot {
  task: 'classification' | 'regression';
  /** Labelled rows in the window (counted when the label arrives). */
  samples: number;
  /** False below the minimum sample count: then no live figure and no verdict. */
  ready: boolean;
  accuracy?: number;
  mae?: number;
  rmse?: number;
  referenceAccuracy?: number;
  referenceMae?: number;
  referenceRmse?: number;
  /** Reference accuracy − live accuracy (classification). */
  drop?: number;
  /** Live MAE / reference MAE − 1 (regression). */
  errorIncrease?: number;
  degraded?: boolean;
}

const LABELLED = 0;
const CORRECT = 1;
const ABS_ERROR = 1;
const SQUARED_ERROR = 2;

export class AccuracyTracker {
  readonly #window: SlidingWindow;
  readonly #now: () => number;

  constructor(
    readonly task: 'classification' | 'regression',
    window: AccuracySettings['window'],
    readonly reference: ProfilePerformance | undefined,
    now: () => number = Date.now,
  ) {
    // NOTE: float64 buckets: regression sums errors, not counts.
    this.#window = new SlidingWindow({ slots: 3, windowMs: window.seconds * 1000, buckets: window.buckets, array: Float64Array });
    this.#now = now;
  }

  get bytes(): number {
    return this.#window.bytes;
  }

  /** One labelled row: a class index pair, or predicted and observed values. */
  record(predicted: number, actual: number): void {
    const at = this.#window.advance(this.#now());
    const ring = this.#window.ring;
    ring[at + LABELLED] += 1;
    if (this.task === 'classification') {
      if (predicted === actual) ring[at + CORRECT] += 1;
      return;
    }
    const error = predicted - actual;
    ring[at + ABS_ERROR] += Math.abs(error);
    ring[at + SQUARED_ERROR] += error * error;
  }

  snapshot(settings: AccuracySettings): AccuracySnapshot {
    const totals = this.#window.totals(this.#now());
    const samples = totals[LABELLED];
    const ref = this.reference;
    const out: AccuracySnapshot = { task: this.task, samples, ready: samples >= settings.minSamples };
    if (ref?.task === 'classification') out.referenceAccuracy = ref.accuracy;
    if (ref?.task === 'regression') Object.assign(out, { referenceMae: ref.mae, referenceRmse: ref.rmse });
    if (!out.ready) return out;
    if (this.task === 'classification') {
      out.accuracy = totals[CORRECT] / samples;
      if (out.referenceAccuracy !== undefined) {
        out.drop = out.referenceAccuracy - out.accuracy;
        out.degraded = out.drop > settings.maxDrop;
      }
      return out;
    }
    out.mae = totals[ABS_ERROR] / samples;
    out.rmse = Math.sqrt(totals[SQUARED_ERROR] / samples);
    if (out.referenceMae !== undefined) {
      // NOTE: a perfect reference (MAE 0) makes any error an infinite relative increase.
      out.errorIncrease = out.referenceMae > 0 ? out.mae / out.referenceMae - 1 : out.mae > 0 ? Infinity : 0;
      out.degraded = out.errorIncrease > settings.maxErrorIncrease;
    }
    return out;
  }
}
