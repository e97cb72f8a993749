// deploy/: the Prometheus config and alert rules pass promtool; rules and the Grafana dashboard use metrics the server exports.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { PACKAGE_ROOT } from '../../src/version.js';
import { buildTestApp, DEFAULT_MODELS } from '../helper.js';
import { skipWithout } from '../helpers/promtool.js';

const DEPLOY = join(PACKAGE_ROOT, 'deploy');
const RULES = join(DEPLOY, 'prometheus/rules/onnx-serve.yml');
const RULE_TESTS = join(DEPLOY, 'prometheus/tests/onnx-serve.test.yml');
const DASHBOARD = join(DEPLOY, 'grafana/dashboards/onnx-serve.json');
/** Metrics that other parts of the server export (the batcher's), allowed in the dashboard before they exist here. */
const PROVIDED_ELSEWHERE = new Set(['onnx_serve_batch_size']);

const promtool = (...args: string[]) => spawnSync('promtool', args, { encoding: 'utf8', cwd: PACKAGE_ROOT });

interface Rule {
  alert?: string;
  expr: string;
}
const rules = (): Rule[] => (parseYaml(readFileSync(RULES, 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules);
const dashboard = () => JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: { type: string; title: string; datasource?: { uid: string }; targets?: { expr: string }[] }[] };

/** Metric families the real app registers (every family is listed with # TYPE, even before it has series). */
async function exportedFamilies(t: Parameters<typeof buildTestApp>[0]): Promise<Map<string, string>> {
  const { app } = await buildTestApp(t, { config: { models: DEFAULT_MODELS } });
  const body = (await app.inject({ url: '/metrics' })).body;
  return new Map([...body.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1], m[2]]));
}

/** The family a PromQL metric name belongs to: histograms are queried as _bucket, _sum and _count. */
function family(name: string, families: Map<string, string>): string {
  const base = name.replace(/_(bucket|sum|count)$/, '');
  return families.get(base) === 'histogram' || PROVIDED_ELSEWHERE.has(base) ? base : name;
}

const metricNames = (expr: string): string[] => [...new Set(expr.match(/\bonnx_serve_[a-z0-9_]+/g) ?? [])];

describe('deploy/prometheus', () => {
  test('promtool check config accepts prometheus.yml and finds the rule file', { skip: skipWithout('promtool') }, () => {
    const r = promtool('check', 'config', 'deploy/prometheus/prometheus.yml');
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /SUCCESS: 1 rule files found/);
  });

  test('promtool test rules passes every alert test', { skip: skipWithout('promtool') }, () => {
    const r = promtool('test', 'rules', 'deploy/prometheus/tests/onnx-serve.test.yml');
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /SUCCESS/);
  });

  test('every alert has a rule test where it fires', () => {
    const tests = (parseYaml(readFileSync(RULE_TESTS, 'utf8')) as { tests: { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[] }).tests;
    const firing = new Set(tests.flatMap((t) => t.alert_rule_test.filter((a) => a.exp_alerts.length > 0).map((a) => a.alertname)));
    const alerts = rules().map((r) => r.alert);
    assert.deepEqual(alerts.filter((a) => !firing.has(a!)), []);
    for (const wanted of ['OnnxServeFeatureDrift', 'OnnxServeDatasetDrift', 'OnnxServeAccuracyDrop', 'OnnxServeLatencyP99', 'OnnxServeErrorRate', 'OnnxServeFeedbackStalled', 'OnnxServeAuthFailures']) {
      assert.ok(alerts.includes(wanted), `${wanted} is defined`);
    }
  });

  test('every metric the rules query is one the server exports', async (t) => {
    const families = await exportedFamilies(t);
    for (const rule of rules()) {
      for (const name of metricNames(rule.expr)) assert.ok(families.has(family(name, families)), `${rule.alert} queries unknown metric ${name}`);
    }
  });
});

describe('deploy/grafana', () => {
  test('the dashboard shows latency, throughput, errors, batch sizes, drift per feature and accuracy per version', () => {
    const titles = dashboard().panels.map((p) => p.title);
    for (const wanted of ['Throughput', 'Latency', 'Errors', 'Batch sizes', 'Feature drift (PSI)', 'Dataset drift', 'Prediction drift', 'Accuracy per version', 'Feedback']) {
      assert.ok(titles.includes(wanted), `a '${wanted}' panel`);
    }
  });

  test('every panel reads the provisioned Prometheus data source and only metrics the server exports', async (t) => {
    const families = await exportedFamilies(t);
    const datasource = parseYaml(readFileSync(join(DEPLOY, 'grafana/provisioning/datasources/prometheus.yml'), 'utf8')).datasources[0].uid;
    for (const panel of dashboard().panels.filter((p) => p.type !== 'row')) {
      assert.equal(panel.datasource?.uid, datasource, panel.title);
      assert.ok(panel.targets!.length > 0, `${panel.title} has queries`);
      for (const target of panel.targets!) {
        for (const name of metricNames(target.expr)) assert.ok(families.has(family(name, families)) || PROVIDED_ELSEWHERE.has(family(name, families)), `${panel.title} queries unknown metric ${name}`);
      }
    }
  });

  test('docker-compose provisions the dashboard and mounts the alert rules', () => {
    const compose = parseYaml(readFileSync(join(PACKAGE_ROOT, 'docker-compose.yml'), 'utf8'));
    const provider = parseYaml(readFileSync(join(DEPLOY, 'grafana/provisioning/dashboards/onnx-serve.yml'), 'utf8')).providers[0];
    assert.ok(compose.services.grafana.volumes.includes(`./deploy/grafana/dashboards:${provider.options.path}:ro`));
    assert.ok(compose.services.prometheus.volumes.includes('./deploy/prometheus:/etc/prometheus:ro'));
    assert.deepEqual(parseYaml(readFileSync(join(DEPLOY, 'prometheus/prometheus.yml'), 'utf8')).rule_files, ['rules/*.yml']);
  });
});
