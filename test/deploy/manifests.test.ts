// The deployment files agree with the app: settings they set exist and parse, probes hit public routes, ports line up.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse, parseAllDocuments } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import { PACKAGE_ROOT } from '../../src/version.js';
import { buildTestApp, DEFAULT_MODELS } from '../helper.js';

const K8S = join(PACKAGE_ROOT, 'deploy', 'kubernetes');
const read = (...path: string[]) => readFileSync(join(PACKAGE_ROOT, ...path), 'utf8');
const k8s = (file: string) => parseAllDocuments(readFileSync(join(K8S, file), 'utf8')).map((d) => d.toJS());

/** ONNX_SERVE_* settings each deployment file sets. */
function settings(): Record<string, Record<string, string>> {
  const dockerfile: Record<string, string> = {};
  for (const m of read('Dockerfile').matchAll(/(ONNX_SERVE_[A-Z_]+)=(\S+)/g)) dockerfile[m[1]] = m[2];
  const ours = (env: Record<string, string>) => Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('ONNX_SERVE_')));
  const compose = ours(parse(read('docker-compose.yml')).services['onnx-serve'].environment);
  const configMap = ours(k8s('configmap.yaml')[0].data);
  return { Dockerfile: dockerfile, 'docker-compose.yml': compose, 'configmap.yaml': configMap };
}

test('every ONNX_SERVE_* variable the Dockerfile, compose and Kubernetes set is a real setting with a valid value', () => {
  for (const [file, env] of Object.entries(settings())) {
    assert.ok(Object.keys(env).length > 0, `${file} sets something`);
    assert.doesNotThrow(() => loadConfig([], env), `${file}: ${JSON.stringify(env)}`);
  }
  // NOTE: loadConfig ignores unknown variables (other software shares the environment), so check names too.
  const known = new Set(Object.keys(loadConfig([], {})).map((k) => `ONNX_SERVE_${k.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`));
  for (const [file, env] of Object.entries(settings())) {
    for (const name of Object.keys(env)) assert.ok(known.has(name), `${file} sets unknown ${name}`);
  }
});

test('Kubernetes probes point at public GET routes of the app and the ports line up', async (t) => {
  const { app } = await buildTestApp(t, { config: { models: DEFAULT_MODELS }, load: false });
  const [deployment] = k8s('deployment.yaml');
  const container = deployment.spec.template.spec.containers[0];
  for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
    const path = container[probe].httpGet.path as string;
    const route = app.routeIndex.find((r) => r.method === 'GET' && r.url === path);
    assert.equal(route?.access, 'public', `${probe} ${path} is a public GET route`);
  }
  assert.equal(container[`readinessProbe`].httpGet.path, '/v2/health/ready');
  const port = Number(k8s('configmap.yaml')[0].data.ONNX_SERVE_PORT);
  assert.equal(container.ports[0].containerPort, port);
  assert.match(read('Dockerfile'), new RegExp(`EXPOSE ${port}\\b`));
  const [service] = k8s('service.yaml');
  assert.equal(service.spec.ports[0].targetPort, container.ports[0].name);
});

test('selectors and targets refer to the Deployment, and kustomization lists every manifest', () => {
  const [deployment] = k8s('deployment.yaml');
  const labels = deployment.spec.template.metadata.labels;
  assert.deepEqual(deployment.spec.selector.matchLabels, labels);
  assert.deepEqual(k8s('service.yaml')[0].spec.selector, labels);
  assert.deepEqual(k8s('pdb.yaml')[0].spec.selector.matchLabels, labels);
  assert.equal(k8s('hpa.yaml')[0].spec.scaleTargetRef.name, deployment.metadata.name);
  const listed = (k8s('kustomization.yaml')[0].resources as string[]).sort();
  const files = readdirSync(K8S).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml').sort();
  assert.deepEqual(listed, files);
  assert.ok(deployment.spec.template.spec.terminationGracePeriodSeconds >= 30, 'room to drain');
  assert.equal(deployment.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem, true);
});
