// The Kubernetes grace period covers the server's own shutdown (delay + drain), so the kubelet never kills a draining pod.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import { PACKAGE_ROOT } from '../../src/version.js';

const k8s = (file: string) => parseAllDocuments(readFileSync(join(PACKAGE_ROOT, 'deploy/kubernetes', file), 'utf8')).map((d) => d.toJS());

test('terminationGracePeriodSeconds exceeds the shutdown delay plus the drain timeout the ConfigMap sets', () => {
  const config = loadConfig([], k8s('configmap.yaml')[0].data);
  const grace = k8s('deployment.yaml')[0].spec.template.spec.terminationGracePeriodSeconds as number;
  assert.ok(config.shutdownDelaySeconds > 0, 'a delay lets the endpoint go before the server stops accepting');
  assert.ok(grace > config.shutdownDelaySeconds + config.drainTimeoutSeconds, `${grace} s > ${config.shutdownDelaySeconds} + ${config.drainTimeoutSeconds} s`);
});
