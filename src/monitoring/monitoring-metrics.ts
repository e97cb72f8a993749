// Prometheus view of drift and accuracy: gauges computed at scrape time from the monitors, feedback counters.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { DistributionDrift } from './drift/drift-monitor.js';
import type { AccuracySnapshot } from './feedback/accuracy-tracker.js';
import { FEEDBACK_OUTCOMES, type ModelMonitoring, type VersionMonitor } from './model-monitoring.js';
import { removeSeries } from './series.js';

type Labels = Record<string, string>;
type Setter = (labels: Labels, value: number | boolean | undefined) => void;

const versionLabels = (m: VersionMonitor): Labels => ({ model: m.version.name, version: String(m.version.version) });
const className = (m: VersionMonitor, index: number): string => m.plan.target?.labels?.[index] ?? String(index);

/** A gauge whose series are rebuilt from scratch at every scrape, so unloaded versions simply disappear. */
function scrapeGauge(registers: Registry[], name: string, help: string, labelNames: string[], fill: (set: Setter) => void): void {
  new Gauge({
    name,
    help,
    labelNames,
    registers,
    collect() {
      this.reset();
      fill((labels, value) => {
        if (value !== undefined) this.set(labels, typeof value === 'boolean' ? Number(value) : value);
      });
    },
  });
}

function eachDrift(monitoring: ModelMonitoring, fill: (m: VersionMonitor, snapshot: ReturnType<NonNullable<VersionMonitor['drift']>['snapshot']>) => void): void {
  for (const m of monitoring.monitors()) if (m.drift !== null) fill(m, m.drift.snapshot(m.version.config.monitoring.drift));
}

function eachAccuracy(monitoring: ModelMonitoring, fill: (m: VersionMonitor, snapshot: AccuracySnapshot) => void): void {
  for (const m of monitoring.monitors()) if (m.accuracy !== null) fill(m, m.accuracy.snapshot(m.version.config.monitoring.accuracy));
}

function distributionGauges(registers: Registry[], monitoring: ModelMonitoring, side: 'feature' | 'prediction'): void {
  const what = side === 'feature' ? 'input feature' : 'output (feature = output name)';
  const stat = (suffix: string, help: string, read: (d: DistributionDrift) => number | boolean | undefined) =>
    scrapeGauge(registers, `onnx_serve_${side}_drift_${suffix}`, `${help} of each ${what}, live window against the reference`, ['model', 'version', 'feature'], (set) =>
      eachDrift(monitoring, (m, s) => {
        for (const d of side === 'feature' ? s.features : s.outputs) set({ ...versionLabels(m), feature: d.name }, read(d));
      }),
    );
  stat('psi', 'Population stability index (numeric)', (d) => d.psi);
  stat('ks', 'Binned Kolmogorov-Smirnov distance (numeric)', (d) => d.ks);
  stat('js', 'Jensen-Shannon distance, base 2 (categorical, classes)', (d) => d.js);
  stat('linf', 'L-infinity distance (categorical, classes)', (d) => d.linf);
  stat('detected', '1 when drift passes the model\'s thresholds, 0 when not (absent below the minimum sample count)', (d) => d.drifted);
}

function accuracyGauges(registers: Registry[], monitoring: ModelMonitoring): void {
  const gauge = (name: string, help: string, read: (s: AccuracySnapshot) => number | boolean | undefined) =>
    scrapeGauge(registers, `onnx_serve_${name}`, help, ['model', 'version'], (set) => eachAccuracy(monitoring, (m, s) => set(versionLabels(m), read(s))));
  gauge('feedback_window_samples', 'Labelled rows in the accuracy window', (s) => s.samples);
  gauge('model_accuracy', 'Live accuracy over the labelled rows of the window (absent below the minimum sample count)', (s) => s.accuracy);
  gauge('model_reference_accuracy', 'Validation accuracy recorded in profile.json', (s) => s.referenceAccuracy);
  gauge('model_accuracy_drop', 'Reference accuracy minus live accuracy', (s) => s.drop);
  gauge('model_mae', 'Live mean absolute error (regression)', (s) => s.mae);
  gauge('model_rmse', 'Live root mean squared error (regression)', (s) => s.rmse);
  gauge('model_reference_mae', 'Validation MAE recorded in profile.json (regression)', (s) => s.referenceMae);
  gauge('model_reference_rmse', 'Validation RMSE recorded in profile.json (regression)', (s) => s.referenceRmse);
  gauge('model_error_increase', 'Live MAE over reference MAE, minus 1 (regression)', (s) => s.errorIncrease);
  gauge('accuracy_drop_detected', '1 when live accuracy (or MAE) is past the model\'s threshold against the reference, else 0', (s) => s.degraded);
}

/** Registers the drift and accuracy metrics on `register` and keeps them in step with `monitoring`. */
export function registerMonitoringMetrics(register: Registry, monitoring: ModelMonitoring): void {
  const registers = [register];
  scrapeGauge(registers, 'onnx_serve_drift_window_samples', 'Rows in the drift window', ['model', 'version'], (set) =>
    eachDrift(monitoring, (m, s) => set(versionLabels(m), s.samples)),
  );
  distributionGauges(registers, monitoring, 'feature');
  distributionGauges(registers, monitoring, 'prediction');
  scrapeGauge(registers, 'onnx_serve_feature_missing_ratio', 'Live share of missing values (NaN, empty string) per feature', ['model', 'version', 'feature'], (set) =>
    eachDrift(monitoring, (m, s) => s.features.forEach((f) => set({ ...versionLabels(m), feature: f.name }, f.missing))),
  );
  scrapeGauge(registers, 'onnx_serve_drifted_features_ratio', 'Share of input features that drift', ['model', 'version'], (set) =>
    eachDrift(monitoring, (m, s) => set(versionLabels(m), s.driftedShare)),
  );
  scrapeGauge(registers, 'onnx_serve_dataset_drift_detected', '1 when the share of drifting features reaches the model\'s dataset threshold, else 0', ['model', 'version'], (set) =>
    eachDrift(monitoring, (m, s) => set(versionLabels(m), s.datasetDrifted)),
  );
  scrapeGauge(registers, 'onnx_serve_prediction_class_ratio', 'Live share of rows predicted as each class (first classes output)', ['model', 'version', 'class'], (set) =>
    eachDrift(monitoring, (m, s) => s.outputs.find((o) => o.classShares !== undefined)?.classShares!.forEach((share, c) => set({ ...versionLabels(m), class: className(m, c) }, share))),
  );
  accuracyGauges(registers, monitoring);

  const feedback = new Counter({ name: 'onnx_serve_feedback_total', help: 'Feedback items by outcome: matched, unknown, expired, duplicate, invalid', labelNames: ['model', 'version', 'outcome'], registers });
  const kinds = ['true_positives', 'false_positives', 'false_negatives'] as const;
  const [tp, fp, fn] = kinds.map((k) => new Counter({ name: `onnx_serve_class_${k}_total`, help: `Labelled rows counted as ${k.replace('_', ' ')} of each class`, labelNames: ['model', 'version', 'class'], registers }));
  const classCounters = [tp, fp, fn];
  monitoring.addHooks({
    onMonitorStart(m) {
      const target = m.plan.target;
      if (target === null) return;
      // NOTE: series start at 0 so rate() and "feedback stalled" alerts see them before the first label.
      for (const outcome of FEEDBACK_OUTCOMES) feedback.inc({ ...versionLabels(m), outcome }, 0);
      if (target.task === 'classification' && target.classes !== undefined && target.classes <= 1000) {
        for (let c = 0; c < target.classes; c++) for (const counter of classCounters) counter.inc({ ...versionLabels(m), class: className(m, c) }, 0);
      }
    },
    onMonitorStop(m) {
      void Promise.all([feedback, ...classCounters].map((c) => removeSeries(c, versionLabels(m))));
    },
    onFeedback(model, m, outcome) {
      feedback.inc({ model, version: m === undefined ? '' : String(m.version.version), outcome });
    },
    onLabel(m, predicted, actual) {
      const target = m.plan.target;
      // NOTE: per-class series only for a known, bounded class count: labels must not mint series.
      if (target?.task !== 'classification' || target.classes === undefined || target.classes > 1000) return;
      if (predicted === actual) tp.inc({ ...versionLabels(m), class: className(m, actual) });
      else {
        if (predicted >= 0) fp.inc({ ...versionLabels(m), class: className(m, predicted) });
        fn.inc({ ...versionLabels(m), class: className(m, actual) });
      }
    },
  });
}
