// Drift and accuracy of every loaded version: created on load, fed by each inference, joined with feedback.
import type { Logger } from 'pino';
import { InvalidInputError, ModelNotFoundError } from '../errors.js';
import type { DataPlane, InferenceEvent } from '../inference/data-plane.js';
import type { Tensor } from '../inference/tensor.js';
import type { ModelRegistry } from '../registry/model-registry.js';
import type { ModelVersion } from '../registry/model-version.js';
import { DriftMonitor } from './drift/drift-monitor.js';
import { AccuracyTracker } from './feedback/accuracy-tracker.js';
import { FeedbackStore, scopeSeed, type LookupOutcome } from './feedback/feedback-store.js';
import { groundTruth, type LabelValue } from './feedback/labels.js';
import { NO_PROFILE, planMonitoring, type MonitorPlan, type TargetPlan } from './monitor-plan.js';
import { monitoringStatus } from './monitoring-status.js';
import type { MonitoringStatus } from '../schemas/monitoring.js';
import { classAt, numberAt, rowsOf, rowWidth } from './tensor-values.js';

export interface VersionMonitor {
  readonly version: ModelVersion;
  readonly plan: MonitorPlan;
  readonly drift: DriftMonitor | null;
  readonly accuracy: AccuracyTracker | null;
  /** Outputs the monitor reads, computed for every request even when it does not ask for them. */
  readonly outputs: readonly string[];
  /** The feedback store's scope for this model's ids (every version of a model shares it). */
  readonly seed: number;
}

export interface FeedbackItem {
  id: string;
  label?: LabelValue | LabelValue[];
  value?: number | number[];
}

export type FeedbackOutcome = LookupOutcome | 'invalid';
export const FEEDBACK_OUTCOMES: readonly FeedbackOutcome[] = ['matched', 'unknown', 'expired', 'duplicate', 'invalid'];

export interface FeedbackResult {
  id: string;
  outcome: FeedbackOutcome;
  /** Version that made the prediction (matched and invalid items). */
  version?: number;
  error?: string;
}

export interface MonitoringHooks {
  onMonitorStart?(monitor: VersionMonitor): void;
  onMonitorStop?(monitor: VersionMonitor): void;
  onFeedback?(model: string, monitor: VersionMonitor | undefined, outcome: FeedbackOutcome): void;
  /** One labelled row: predicted and true class index (classification) or value (regression). */
  onLabel?(monitor: VersionMonitor, predicted: number, actual: number): void;
}

export interface MonitoringOptions {
  registry: ModelRegistry;
  dataPlane: DataPlane;
  logger: Logger;
  feedbackTtlMs: number;
  feedbackMaxRows: number;
  now?: () => number;
}

/** The target output's prediction per row: one number, or one per row. */
function predictions(tensor: Tensor, target: TargetPlan): number | Float64Array {
  const rows = rowsOf(tensor);
  const width = rowWidth(tensor);
  const read = (r: number) => (target.reader === undefined ? numberAt(tensor.data, target.kind, r * width) : classAt(tensor.data, target.kind, target.reader, r, width, target.classes));
  if (rows === 1) return read(0);
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) out[r] = read(r);
  return out;
}

export class ModelMonitoring {
  readonly #monitors = new Map<ModelVersion, VersionMonitor>();
  readonly #store: FeedbackStore<VersionMonitor>;
  readonly #hooks: MonitoringHooks[] = [];
  readonly #opts: MonitoringOptions;
  readonly #now: () => number;
  readonly #failed = new WeakSet<ModelVersion>();

  constructor(options: MonitoringOptions) {
    this.#opts = options;
    this.#now = options.now ?? Date.now;
    this.#store = new FeedbackStore({ ttlMs: options.feedbackTtlMs, maxRows: options.feedbackMaxRows, now: this.#now });
    options.registry.addHooks({
      onLoad: (v) => {
        // NOTE: a version that cannot be monitored still serves; the reason goes to the log.
        try {
          this.#start(v);
        } catch (err) {
          options.logger.error({ err, model: v.name, version: v.version }, 'monitoring could not start; the version serves unmonitored');
        }
      },
      onUnload: (v) => this.#stop(v),
    });
    options.dataPlane.addHooks({
      onInference: (event) => this.#observe(event),
      outputsFor: (version) => this.#monitors.get(version)?.outputs ?? [],
    });
  }

  addHooks(hooks: MonitoringHooks): void {
    this.#hooks.push(hooks);
  }

  /** Every monitored version, oldest model/version first. */
  monitors(model?: string): VersionMonitor[] {
    return [...this.#monitors.values()]
      .filter((m) => model === undefined || m.version.name === model)
      .sort((a, b) => a.version.name.localeCompare(b.version.name) || a.version.version - b.version.version);
  }

  /** Drift and accuracy of each loaded version of a model, as the monitoring endpoint reports them. */
  status(model: string): MonitoringStatus {
    if (!this.#opts.registry.has(model)) throw new ModelNotFoundError(model);
    return monitoringStatus(model, this.monitors(model));
  }

  /** Joins ground truth to stored predictions, item by item; the first label for an id wins. */
  feedback(model: string, items: readonly FeedbackItem[]): FeedbackResult[] {
    if (!this.#opts.registry.has(model)) throw new ModelNotFoundError(model);
    const serving = this.monitors(model);
    if (!serving.some((m) => m.plan.target !== null)) {
      const why = serving.flatMap((m) => m.plan.notes)[0] ?? 'monitoring is disabled in its model.yaml, or no version is loaded';
      throw new InvalidInputError(`model '${model}' takes no feedback: ${why}`);
    }
    return items.map((item) => {
      const result = this.#join(model, item);
      for (const h of this.#hooks) h.onFeedback?.(model, result.monitor, result.outcome);
      const { monitor, ...rest } = result;
      return monitor === undefined ? rest : { ...rest, version: monitor.version.version };
    });
  }

  #join(model: string, item: FeedbackItem): Omit<FeedbackResult, 'version'> & { monitor?: VersionMonitor } {
    const { outcome, entry } = this.#store.lookup(item.id, scopeSeed(model));
    // NOTE: ids are scoped by a 32-bit seed of the model's name; should two names' seeds collide, the other model's entry is not this one's.
    if (entry !== undefined && entry.owner.version.name !== model) return { id: item.id, outcome: 'unknown' };
    if (entry === undefined || outcome !== 'matched') return { id: item.id, outcome, monitor: entry?.owner };
    const monitor = entry.owner;
    const target = monitor.plan.target!;
    const predicted = typeof entry.predicted === 'number' ? [entry.predicted] : Array.from(entry.predicted);
    const actual = groundTruth(item, target, predicted.length);
    if (typeof actual === 'string') return { id: item.id, outcome: 'invalid', error: actual, monitor };
    this.#store.markLabelled(entry);
    predicted.forEach((p, r) => {
      monitor.accuracy?.record(p, actual[r]);
      for (const h of this.#hooks) h.onLabel?.(monitor, p, actual[r]);
    });
    return { id: item.id, outcome: 'matched', monitor };
  }

  #start(version: ModelVersion): void {
    const log = this.#opts.logger.child({ model: version.name, version: version.version });
    const plan = planMonitoring({ config: version.config, signature: version.signature, profile: version.profile, profileError: version.profileError });
    if (plan === null) return;
    const settings = version.config.monitoring;
    const monitor: VersionMonitor = {
      version,
      plan,
      drift: plan.drift ? new DriftMonitor(plan, settings.drift.window, this.#now) : null,
      accuracy: plan.target === null ? null : new AccuracyTracker(plan.target.task, settings.accuracy.window, plan.performance, this.#now),
      outputs: [...new Set([...plan.outputs.map((o) => o.tensor), ...(plan.target === null ? [] : [plan.target.output])])],
      seed: scopeSeed(version.name),
    };
    this.#monitors.set(version, monitor);
    const problems = plan.notes.filter((n) => n !== NO_PROFILE);
    for (const note of problems) log.warn({ note }, 'monitoring limited');
    log.info({ drift: plan.features.map((f) => f.name), target: plan.target?.output, profile: plan.profileHash }, 'monitoring started');
    for (const h of this.#hooks) h.onMonitorStart?.(monitor);
  }

  #stop(version: ModelVersion): void {
    const monitor = this.#monitors.get(version);
    if (monitor === undefined) return;
    this.#monitors.delete(version);
    this.#store.dropOwner(monitor);
    for (const h of this.#hooks) h.onMonitorStop?.(monitor);
  }

  /** NOTE: monitoring must never fail a prediction; a failure is logged once per version and the request goes on. */
  #observe(event: InferenceEvent): void {
    const monitor = this.#monitors.get(event.version);
    if (monitor === undefined) return;
    try {
      // NOTE: one clock reading for the drift window and the feedback store.
      const now = this.#now();
      monitor.drift?.observe(event.inputs, event.outputs, now);
      const target = monitor.plan.target;
      const tensor = target === null ? undefined : event.outputs[target.output];
      if (tensor !== undefined && rowsOf(tensor) > 0) this.#store.remember(event.id, monitor, predictions(tensor, target!), monitor.seed, now);
    } catch (err) {
      if (this.#failed.has(event.version)) return;
      this.#failed.add(event.version);
      this.#opts.logger.error({ err, model: event.version.name, version: event.version.version }, 'monitoring failed on a request; predictions are unaffected');
    }
  }
}
