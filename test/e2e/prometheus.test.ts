// End to end with a real Prometheus (Debian package) scraping a real server: the demo's traffic moves the drift and accuracy series.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/logging.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { PACKAGE_ROOT } from '../../src/version.js';
import { DriftDemo } from '../../tools/drift/demo.js';
import { DEFAULT_MODELS } from '../helper.js';
import { skipWithout } from '../helpers/promtool.js';

const skip = skipWithout('prometheus');

/** A free loopback port for Prometheus' web server (it cannot report a port it picked itself). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, seconds = 60): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const got = await probe();
      if (got !== undefined) return got;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`gave up waiting for ${what}${last === undefined ? '' : `: ${String(last)}`}`);
}

describe('a real Prometheus scraping onnx-serve', { skip }, () => {
  const scratch = mkdtempSync(join(tmpdir(), 'onnx-serve-prometheus-e2e-'));
  let server: RunningServer;
  let prometheus: ChildProcess;
  let promUrl = '';
  let log = '';

  /** Instant query → { labels-as-json: value }. */
  const query = async (promql: string): Promise<Map<string, number>> => {
    const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await res.json()) as { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
    assert.equal(body.status, 'success', JSON.stringify(body));
    return new Map(body.data.result.map((r) => [r.metric.feature ?? r.metric.outcome ?? '', Number(r.value[1])]));
  };
  const one = async (promql: string): Promise<number | undefined> => (await query(promql)).values().next().value;

  before(async () => {
    const config = createConfig({ host: '127.0.0.1', port: 0, models: DEFAULT_MODELS, logLevel: 'silent', docs: false });
    server = await startServer(config, { logger: createLogger(config) });
    const port = await freePort();
    promUrl = `http://127.0.0.1:${port}`;
    const target = new URL(server.url).host;
    writeFileSync(
      join(scratch, 'prometheus.yml'),
      [
        'global: { scrape_interval: 1s, evaluation_interval: 1s }',
        `rule_files: ["${join(PACKAGE_ROOT, 'deploy/prometheus/rules')}/*.yml"]`,
        'scrape_configs:',
        '  - job_name: onnx-serve',
        `    static_configs: [{ targets: ["${target}"] }]`,
        '',
      ].join('\n'),
    );
    prometheus = spawn('prometheus', [
      `--config.file=${join(scratch, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(scratch, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    prometheus.stdout!.on('data', (d) => (log += d));
    prometheus.stderr!.on('data', (d) => (log += d));
    await waitFor('Prometheus to be ready', async () => ((await fetch(`${promUrl}/-/ready`)).ok ? true : undefined)).catch((err) => {
      throw new Error(`${err.message}\n${log}`);
    });
    await waitFor('the first scrape of onnx-serve', async () => ((await one('up{job="onnx-serve"}')) === 1 ? true : undefined));
  });

  after(async () => {
    if (prometheus?.exitCode === null) {
      const exited = new Promise((r) => prometheus.once('exit', r));
      prometheus.kill('SIGTERM');
      await exited;
    }
    await server?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  test('loads every alert rule of deploy/prometheus without errors', async () => {
    const res = (await (await fetch(`${promUrl}/api/v1/rules`)).json()) as { data: { groups: { rules: { name: string; health: string }[] }[] } };
    const rules = res.data.groups.flatMap((g) => g.rules);
    const dir = join(PACKAGE_ROOT, 'deploy/prometheus/rules');
    const declared = readdirSync(dir).filter((f) => f.endsWith('.yml')).flatMap((f) => readFileSync(join(dir, f), 'utf8').match(/^\s*- alert: \S+/gm) ?? []);
    assert.ok(declared.length >= 9, `found ${declared.length} alerts in ${dir}`);
    assert.equal(rules.length, declared.length);
    assert.deepEqual(rules.filter((r) => r.health === 'err'), []);
  });

  test('after the demo traffic, drift and accuracy series move the expected way', async () => {
    const demo = new DriftDemo(server.url, 7);
    const version = await demo.servingVersion();
    const iris = `model="iris",version="${version}"`;
    // NOTE: an instant query answers from the latest scrape, so once both counts show, every series read next
    // comes from a scrape taken after the traffic and all of its feedback.
    const scraped = (rows: number, matched: number) =>
      waitFor(`Prometheus to see ${rows} rows and ${matched} matched feedback items`, async () => {
        const [r, m] = [await one(`onnx_serve_drift_window_samples{${iris}}`), await one(`onnx_serve_feedback_total{${iris},outcome="matched"}`)];
        return r === rows && m === matched ? true : undefined;
      });

    // Step 1: in-distribution rows, every label right.
    await demo.feedback(await demo.send(demo.rows(1000)), (r) => r.label);
    await scraped(1000, 50);
    const calm = {
      psi: await query(`onnx_serve_feature_drift_psi{${iris}}`),
      detected: await query(`onnx_serve_feature_drift_detected{${iris}}`),
      dataset: await one(`onnx_serve_dataset_drift_detected{${iris}}`),
      prediction: await one(`onnx_serve_prediction_drift_js{${iris}}`),
      accuracy: await one(`onnx_serve_model_accuracy{${iris}}`),
      drop: await one(`onnx_serve_model_accuracy_drop{${iris}}`),
      degraded: await one(`onnx_serve_accuracy_drop_detected{${iris}}`),
    };
    assert.equal(calm.psi.size, 4, 'a PSI series per feature');
    for (const [feature, psi] of calm.psi) assert.ok(psi < 0.1, `${feature} PSI ${psi} stays under 0.1 on in-distribution traffic`);
    assert.deepEqual([...calm.detected.values()], [0, 0, 0, 0]);
    assert.equal(calm.dataset, 0);
    assert.ok(calm.accuracy! > 0.95, `accuracy ${calm.accuracy}`);
    assert.ok(calm.drop! < 0.05, `drop ${calm.drop}`);
    assert.equal(calm.degraded, 0);

    // Step 2: shifted rows, 60 % of labels wrong.
    await demo.feedback(await demo.send(demo.rows(3000, true)), (r) => demo.mislabel(r.label, 0.6));
    await scraped(4000, 200);
    const psi = await query(`onnx_serve_feature_drift_psi{${iris}}`);
    for (const feature of ['sepal_width', 'petal_length', 'petal_width']) {
      assert.ok(psi.get(feature)! > 0.25 && psi.get(feature)! > calm.psi.get(feature)!, `${feature} PSI ${calm.psi.get(feature)} → ${psi.get(feature)}`);
    }
    assert.ok(psi.get('sepal_length')! < 0.1, 'the unshifted feature stays calm');
    assert.deepEqual(Object.fromEntries(await query(`onnx_serve_feature_drift_detected{${iris}}`)), { sepal_length: 0, sepal_width: 1, petal_length: 1, petal_width: 1 });
    assert.equal(await one(`onnx_serve_drifted_features_ratio{${iris}}`), 0.75);
    assert.equal(await one(`onnx_serve_dataset_drift_detected{${iris}}`), 1);
    assert.ok((await one(`onnx_serve_prediction_drift_js{${iris}}`))! > calm.prediction!);
    const accuracy = (await one(`onnx_serve_model_accuracy{${iris}}`))!;
    assert.ok(accuracy < calm.accuracy! - 0.3, `accuracy ${calm.accuracy} → ${accuracy}`);
    assert.ok((await one(`onnx_serve_model_accuracy_drop{${iris}}`))! > 0.3);
    assert.equal(await one(`onnx_serve_accuracy_drop_detected{${iris}}`), 1);
    assert.equal(await one(`onnx_serve_feedback_total{${iris},outcome="unknown"}`), 0);

    // Over the whole run Prometheus holds both states of the series: calm, then drifted.
    const range = await query(`min_over_time(onnx_serve_feature_drift_psi{${iris},feature="petal_length"}[5m])`);
    assert.ok(range.get('petal_length')! < 0.1);
    assert.ok((await one(`max_over_time(onnx_serve_feature_drift_psi{${iris},feature="petal_length"}[5m])`))! > 0.25);
  });
});
