// The drift demo's traffic and report: in-distribution iris rows with true labels, then shifted rows with wrong ones.
import { find, parseExposition, type Sample } from './exposition.js';
import { irisTraffic, type IrisRow } from './iris-traffic.js';

export interface Sent {
  id: string;
  version: string;
  rows: IrisRow[];
}

const FEATURES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];

/** The gauges the demo prints, in order: [what to show, metric, extra labels]. */
export const DEMO_GAUGES: [string, string, Record<string, string>][] = [
  ['rows in the drift window', 'onnx_serve_drift_window_samples', {}],
  ...FEATURES.map((f): [string, string, Record<string, string>] => [`PSI ${f}`, 'onnx_serve_feature_drift_psi', { feature: f }]),
  ...FEATURES.map((f): [string, string, Record<string, string>] => [`drift detected ${f}`, 'onnx_serve_feature_drift_detected', { feature: f }]),
  ['share of drifted features', 'onnx_serve_drifted_features_ratio', {}],
  ['dataset drift detected', 'onnx_serve_dataset_drift_detected', {}],
  ['prediction drift (JS) of label', 'onnx_serve_prediction_drift_js', { feature: 'label' }],
  ['prediction drift detected', 'onnx_serve_prediction_drift_detected', { feature: 'label' }],
  ['labelled rows in the window', 'onnx_serve_feedback_window_samples', {}],
  ['live accuracy', 'onnx_serve_model_accuracy', {}],
  ['reference accuracy', 'onnx_serve_model_reference_accuracy', {}],
  ['accuracy drop', 'onnx_serve_model_accuracy_drop', {}],
  ['accuracy drop detected', 'onnx_serve_accuracy_drop_detected', {}],
  ['feedback matched (items)', 'onnx_serve_feedback_total', { outcome: 'matched' }],
];

/** Talks to a running server over HTTP, as any client would. */
export class DriftDemo {
  readonly #traffic;

  constructor(
    readonly url: string,
    seed = 42,
    readonly model = 'iris',
  ) {
    this.#traffic = irisTraffic(seed);
  }

  rows(n: number, shifted = false): IrisRow[] {
    return this.#traffic.sample(n, shifted);
  }

  /** The true class, or with probability `share` a wrong one (seeded). */
  mislabel(label: number, share: number): number {
    return this.#traffic.mislabel(label, share);
  }

  /** The version unversioned requests reach: the newest ready one. */
  async servingVersion(): Promise<string> {
    const res = await fetch(`${this.url}/v2/models/${this.model}`);
    if (!res.ok) throw new Error(`GET /v2/models/${this.model} answered ${res.status}`);
    return ((await res.json()) as { versions: string[] }).versions.at(-1)!;
  }

  /** Sends the rows to the model's unversioned endpoint in batches; returns each request's id and serving version. */
  async send(rows: IrisRow[], batch = 20): Promise<Sent[]> {
    const sent: Sent[] = [];
    for (let i = 0; i < rows.length; i += batch) {
      const part = rows.slice(i, i + batch);
      const body = await this.#post(`/v2/models/${this.model}/infer`, {
        inputs: [{ name: 'features', datatype: 'FP32', shape: [part.length, 4], data: part.flatMap((r) => r.features) }],
        outputs: [{ name: 'label' }],
      });
      sent.push({ id: body.id as string, version: body.model_version as string, rows: part });
    }
    return sent;
  }

  /** Posts one label per row (true or not, as `labelOf` says), 100 requests' worth per call. */
  async feedback(sent: Sent[], labelOf: (row: IrisRow) => number): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (let i = 0; i < sent.length; i += 100) {
      const items = sent.slice(i, i + 100).map((s) => ({ id: s.id, label: s.rows.map(labelOf) }));
      const body = await this.#post(`/v2/models/${this.model}/feedback`, { items });
      for (const [k, v] of Object.entries(body.counts as Record<string, number>)) counts[k] = (counts[k] ?? 0) + v;
    }
    return counts;
  }

  /** The demo gauges of one version, from /metrics (undefined where a series does not exist yet). */
  async gauges(version: string): Promise<(number | undefined)[]> {
    const res = await fetch(`${this.url}/metrics`);
    if (!res.ok) throw new Error(`GET /metrics answered ${res.status}`);
    const samples: Sample[] = parseExposition(await res.text());
    return DEMO_GAUGES.map(([, name, labels]) => find(samples, name, { model: this.model, version, ...labels })[0]?.value);
  }

  async #post(path: string, payload: unknown): Promise<Record<string, unknown>> {
    const res = await fetch(`${this.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) });
    const body = (await res.json()) as Record<string, unknown>;
    if (!res.ok) throw new Error(`POST ${path} answered ${res.status}: ${JSON.stringify(body)}`);
    return body;
  }
}

const cell = (v: number | undefined): string => (v === undefined ? '—' : Number.isInteger(v) ? String(v) : v.toFixed(3));

/** A table of the gauges, one column per phase. */
export function formatGauges(columns: string[], values: (number | undefined)[][]): string {
  const width = Math.max(...DEMO_GAUGES.map(([what]) => what.length));
  const header = `${''.padEnd(width)}  ${columns.map((c) => c.padStart(14)).join('')}`;
  const lines = DEMO_GAUGES.map(([what], i) => `${what.padEnd(width)}  ${values.map((column) => cell(column[i]).padStart(14)).join('')}`);
  return [header, ...lines].join('\n');
}
