// Server metrics on an injected prom-client Registry: requests, latency, in-flight, model states and loads.
import { collectDefaultMetrics, Counter, Gauge, type Registry } from 'prom-client';
import type { DataPlane } from '../inference/data-plane.js';
import type { ModelRegistry } from '../registry/model-registry.js';
import type { VersionState } from '../registry/model-version.js';
import { KeyedCounter, KeyedHistogram } from './keyed-metrics.js';
import { removeSeries } from './series.js';

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512];
const STATES: VersionState[] = ['LOADING', 'READY', 'UNAVAILABLE', 'UNLOADING'];

export interface RequestLabels {
  model: string;
  version: string;
  protocol: string;
  status: string;
}

export interface ServerMetrics {
  readonly register: Registry;
  requestStarted(protocol: string): void;
  requestFinished(labels: RequestLabels, seconds: number): void;
  /** A request refused by authentication, authorization or the rate limit (labels from small fixed sets). */
  requestRefused(kind: string, reason: string): void;
}

/** Creates the metrics and subscribes them to the registry's and data plane's hooks. */
export function createServerMetrics(register: Registry, models: ModelRegistry, dataPlane: DataPlane): ServerMetrics {
  const registers = [register];
  collectDefaultMetrics({ register });
  // NOTE: the series touched on every request or batch are keyed metrics (see keyed-metrics.ts); the rest are prom-client's.
  const requests = new KeyedCounter({ name: 'onnx_serve_requests_total', help: 'Inference requests by model, version, protocol and HTTP status', labelNames: ['model', 'version', 'protocol', 'status'], registers });
  const requestDuration = new KeyedHistogram({ name: 'onnx_serve_request_duration_seconds', help: 'Inference request latency, from arrival to response', labelNames: ['model', 'version', 'protocol'], buckets: LATENCY_BUCKETS, registers });
  // NOTE: counted in a plain object and read at scrape time: two label lookups less on every request.
  const inflightBy: Record<string, number> = Object.create(null);
  new Gauge({
    name: 'onnx_serve_requests_in_flight',
    help: 'Inference requests being handled now',
    labelNames: ['protocol'],
    registers,
    collect() {
      for (const [protocol, n] of Object.entries(inflightBy)) this.set({ protocol }, n);
    },
  });
  const inferenceDuration = new KeyedHistogram({ name: 'onnx_serve_inference_duration_seconds', help: 'Time onnxruntime spends on one run (a whole batch when requests were merged)', labelNames: ['model', 'version'], buckets: LATENCY_BUCKETS, registers });
  const queueDuration = new KeyedHistogram({ name: 'onnx_serve_queue_duration_seconds', help: 'Time a request waits in its version\'s queue before its run starts', labelNames: ['model', 'version'], buckets: LATENCY_BUCKETS, registers });
  const batchSize = new KeyedHistogram({ name: 'onnx_serve_batch_size', help: 'Rows per run (requests merged by the dynamic batcher)', labelNames: ['model', 'version'], buckets: BATCH_BUCKETS, registers });
  const rejected = new Counter({ name: 'onnx_serve_rejected_requests_total', help: 'Requests refused before they ran: queue full (503) or deadline passed (504)', labelNames: ['model', 'version', 'reason'], registers });
  new Gauge({
    name: 'onnx_serve_queue_depth',
    help: 'Requests waiting in each version\'s queue',
    labelNames: ['model', 'version'],
    registers,
    collect() {
      // NOTE: read at scrape time rather than kept up to date on every request.
      this.reset();
      for (const { version, depth } of dataPlane.batchers.depths()) this.set({ model: version.name, version: String(version.version) }, depth);
    },
  });
  const state = new Gauge({ name: 'onnx_serve_model_state', help: 'Current state of each model version (1 for the state it is in)', labelNames: ['model', 'version', 'state'], registers });
  const loadDuration = new Gauge({ name: 'onnx_serve_model_load_duration_seconds', help: 'How long loading and warming up the version took', labelNames: ['model', 'version'], registers });
  const refused = new Counter({ name: 'onnx_serve_auth_refusals_total', help: 'Requests refused before routing: unauthenticated (by reason: no-credentials, unknown, expired, bad-signature, ...), forbidden (insufficient-scope) or rate_limited', labelNames: ['kind', 'reason'], registers });
  const loadFailures = new Counter({ name: 'onnx_serve_model_load_failures_total', help: 'Model version loads that failed, by model and reason (integrity, signature, decryption, unreadable, invalid, warmup, crash, config)', labelNames: ['model', 'reason'], registers });

  models.addHooks({
    onStateChange(version, current) {
      const labels = { model: version.name, version: String(version.version) };
      for (const s of STATES) state.remove({ ...labels, state: s });
      if (current === null) {
        for (const m of [requests, requestDuration, inferenceDuration, queueDuration, batchSize]) m.remove(labels);
        void Promise.all([rejected, loadDuration].map((m) => removeSeries(m, labels)));
        return;
      }
      state.set({ ...labels, state: current }, 1);
    },
    onLoadFailure(version, reason) {
      loadFailures.inc({ model: version.name, reason });
    },
    onLoad(version) {
      loadDuration.set({ model: version.name, version: String(version.version) }, version.loadSeconds);
    },
  });
  dataPlane.addHooks({
    onBatch(event) {
      const labels = [event.version.name, String(event.version.version)];
      inferenceDuration.observe(labels, event.computeSeconds);
      batchSize.observe(labels, event.batchSize);
      queueDuration.observeEach(labels, event.queueSeconds);
    },
    onReject(version, reason) {
      rejected.inc({ model: version.name, version: String(version.version), reason });
    },
  });

  return {
    register,
    requestStarted(protocol) {
      inflightBy[protocol] = (inflightBy[protocol] ?? 0) + 1;
    },
    requestFinished(labels, seconds) {
      inflightBy[labels.protocol] -= 1;
      requests.inc([labels.model, labels.version, labels.protocol, labels.status]);
      requestDuration.observe([labels.model, labels.version, labels.protocol], seconds);
    },
    requestRefused(kind, reason) {
      refused.inc({ kind, reason });
    },
  };
}
