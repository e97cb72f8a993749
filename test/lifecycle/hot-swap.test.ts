// Zero-downtime swaps: versions are copied in and removed repeatedly while a separate process sends requests
// without pause; no request fails and the answers move to each new version in turn.
import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createConfig } from '../../src/config/load.js';
import { startServer } from '../../src/server.js';
import { addConstantModel } from '../helpers/fixture-models.js';
import { startLoad } from '../helpers/load-process.js';
import { ScratchRepository } from '../helpers/scratch-repository.js';

const SWAPS = 5;

test(`${SWAPS} hot swaps under continuous load from another process: zero failed requests, answers follow each new version`, async (t) => {
  const repo = new ScratchRepository();
  repo.yaml('swap', 'versionPolicy:\n  latest: 1\n');
  repo.addVersion('swap', 1);
  // NOTE: the defaults (load probe on, in-process backend) but a short poll interval.
  const server = await startServer(createConfig({ host: '127.0.0.1', port: 0, models: repo.root, logLevel: 'warn', pollIntervalSeconds: 0.1, warmupSeconds: 0 }));
  t.after(async () => {
    await server.close();
    repo.dispose();
  });
  const load = startLoad(['--url', server.url, '--model', 'swap', '--concurrency', '4', '--x', '0.5']);
  try {
    await load.waitFor((e) => e.version === '1', 30_000, 'answer from version 1');
    for (let v = 2; v <= SWAPS + 1; v++) {
      // NOTE: copied the way cp does it, in pieces with pauses, so the watcher sees a half-written model first.
      const bytes = addConstantModel('swap', v);
      const half = Math.floor(bytes.length / 2);
      repo.write(`swap/${v}/model.onnx`, bytes.subarray(0, half));
      await sleep(250);
      appendFileSync(repo.path('swap', v, 'model.onnx'), bytes.subarray(half));
      await load.waitFor((e) => e.version === String(v), 60_000, `answer from version ${v}`);
      repo.remove('swap', v - 1);
    }
    await sleep(300);
  } finally {
    const summary = await load.stop();
    t.diagnostic(`requests: ${summary.ok} ok, ${summary.failed} failed; per version: ${JSON.stringify(summary.versions)}`);
    assert.deepEqual(summary.failures, {});
    assert.equal(summary.failed, 0);
    assert.deepEqual(summary.order, Array.from({ length: SWAPS + 1 }, (_, i) => String(i + 1)), 'answers moved forward one version at a time');
    for (const [version, count] of Object.entries(summary.versions ?? {})) assert.ok(count > 0, `version ${version} answered`);
  }
});
