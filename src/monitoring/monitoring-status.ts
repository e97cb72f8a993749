// The monitoring status of a model's versions as the HTTP API reports it (snake_case, finite numbers only).
import type { MonitoringStatus } from '../schemas/monitoring.js';
import type { DistributionDrift } from './drift/drift-monitor.js';
import type { VersionMonitor } from './model-monitoring.js';

const finite = (v: number | undefined): number | undefined => (v !== undefined && Number.isFinite(v) ? v : undefined);

function distribution(d: DistributionDrift) {
  return { name: d.name, type: d.type, psi: d.psi, ks: d.ks, js: d.js, linf: d.linf, missing: d.missing, class_shares: d.classShares, drifted: d.drifted };
}

function versionStatus(m: VersionMonitor): MonitoringStatus['versions'][number] {
  const settings = m.version.config.monitoring;
  const out: MonitoringStatus['versions'][number] = { version: String(m.version.version), profile_hash: m.plan.profileHash, notes: m.plan.notes };
  if (m.drift !== null) {
    const s = m.drift.snapshot(settings.drift);
    out.drift = {
      window_seconds: settings.drift.window.seconds,
      samples: s.samples,
      min_samples: settings.drift.minSamples,
      ready: s.ready,
      drifted_share: s.driftedShare,
      dataset_drifted: s.datasetDrifted,
      prediction_drifted: s.predictionDrifted,
      features: s.features.map(distribution),
      outputs: s.outputs.map(distribution),
    };
  }
  if (m.accuracy !== null && m.plan.target !== null) {
    const s = m.accuracy.snapshot(settings.accuracy);
    out.accuracy = {
      task: s.task,
      output: m.plan.target.output,
      window_seconds: settings.accuracy.window.seconds,
      samples: s.samples,
      min_samples: settings.accuracy.minSamples,
      ready: s.ready,
      accuracy: s.accuracy,
      reference_accuracy: s.referenceAccuracy,
      drop: s.drop,
      mae: s.mae,
      rmse: s.rmse,
      reference_mae: s.referenceMae,
      reference_rmse: s.referenceRmse,
      error_increase: finite(s.errorIncrease),
      degraded: s.degraded,
    };
  }
  return out;
}

export function monitoringStatus(model: string, monitors: readonly VersionMonitor[]): MonitoringStatus {
  return { name: model, versions: monitors.map(versionStatus) };
}
