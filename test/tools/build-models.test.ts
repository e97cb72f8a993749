// tools/build-models.ts: committed demo models are reproducible and accurate; --missing-only is a no-op when complete.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import onnxProto from 'onnx-proto';
import ort from 'onnxruntime-node';
import {
  BENCH_MLP,
  DEFAULT_REPOSITORY,
  IRIS,
  buildBenchMlp,
  buildIrisModels,
  diffIrisAgainstFreshBuild,
} from '../../tools/models/repository.js';
import { runModel } from '../../tools/onnx/run-model.js';
import { loadIrisSplit } from '../../tools/train/iris-data.js';

const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ALL_FILES = [...IRIS.files, ...BENCH_MLP.files];
const scratch = mkdtempSync(join(tmpdir(), 'onnx-serve-build-models-test-'));
const complete = join(scratch, 'complete');
let copies = 0;

before(async () => {
  await buildIrisModels(complete);
  await buildBenchMlp(complete);
});
after(() => rmSync(scratch, { recursive: true, force: true }));

/** A private copy of a complete repository, so a test may change it. */
function completeCopy(): string {
  const dir = join(scratch, `copy-${++copies}`);
  cpSync(complete, dir, { recursive: true });
  return dir;
}

function cli(...args: string[]) {
  const argv = ['--import', 'tsx', 'tools/build-models.ts', ...args];
  return spawnSync(process.execPath, argv, { cwd: PROJECT_ROOT, encoding: 'utf8' });
}

test('the committed models/iris files are byte-identical to a fresh build in a temp dir', async () => {
  assert.deepEqual(await diffIrisAgainstFreshBuild(DEFAULT_REPOSITORY), []);
});

test('--check exits 1 and names the file when an iris file differs from a fresh build', () => {
  const repo = completeCopy();
  appendFileSync(join(repo, 'iris/1/training.json'), ' ');
  const result = cli('--check', '--out', repo);
  assert.equal(result.status, 1, result.stderr);
  assert.match(result.stderr, /iris\/1\/training\.json/);
});

for (const version of [1, 2]) {
  test(`iris v${version} records a held-out accuracy ≥ 0.9 that its committed model.onnx reproduces`, async () => {
    const dir = join(DEFAULT_REPOSITORY, `iris/${version}`);
    const training = JSON.parse(readFileSync(join(dir, 'training.json'), 'utf8'));
    const { test: heldOut } = loadIrisSplit(training.seed);
    assert.equal(training.dataset.testRows, heldOut.y.length);

    const out = await runModel(readFileSync(join(dir, 'model.onnx')), 'features', heldOut.x);
    const labels = Array.from(out.label.data as BigInt64Array, Number);
    const recomputed = labels.filter((label, i) => label === heldOut.y[i]).length / heldOut.y.length;

    assert.equal(recomputed, training.metrics.heldOutAccuracy);
    assert.ok(recomputed >= 0.9, `held-out accuracy ${recomputed}`);
  });

  test(`iris v${version} takes raw \`features\` [batch, 4] and returns \`probabilities\` then \`label\``, async () => {
    const session = await ort.InferenceSession.create(join(DEFAULT_REPOSITORY, `iris/${version}/model.onnx`));
    assert.deepEqual(session.inputNames, ['features']);
    assert.deepEqual(session.outputNames, ['probabilities', 'label']);
    // A typical setosa and a typical virginica, in centimetres.
    const features = new ort.Tensor('float32', Float32Array.from([5.1, 3.5, 1.4, 0.2, 6.7, 3.0, 5.2, 2.3]), [2, 4]);
    const out = await session.run({ features });
    await session.release();
    assert.deepEqual(out.probabilities.dims, [2, 3]);
    assert.deepEqual(Array.from(out.label.data as BigInt64Array), [0n, 2n]);
    const p = out.probabilities.data as Float32Array;
    assert.ok(Math.abs(p[0] + p[1] + p[2] - 1) < 1e-5);
  });
}

test('the bench MLP has 0.9M–1.2M parameters and maps a [3, 512] input to [3, 16] logits', async () => {
  const bytes = readFileSync(join(complete, 'bench-mlp/1/model.onnx'));
  const initializers = onnxProto.onnx.ModelProto.decode(bytes).graph?.initializer ?? [];
  const params = initializers.reduce((sum, tensor) => sum + (tensor.floatData?.length ?? 0), 0);
  assert.ok(params > 900_000 && params < 1_200_000, `${params} parameters`);

  const input = Array.from({ length: 3 }, (_, r) => Array.from({ length: 512 }, (_, c) => Math.sin(r * 512 + c)));
  const { logits } = await runModel(bytes, 'input', input);
  assert.deepEqual(logits.dims, [3, 16]);
  assert.ok((logits.data as Float32Array).every(Number.isFinite));
});

test('--missing-only on a complete repository rewrites no file', () => {
  const repo = completeCopy();
  const past = new Date('2020-01-01T00:00:00Z');
  for (const path of ALL_FILES) utimesSync(join(repo, path), past, past);

  const result = cli('--missing-only', '--out', repo);

  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /nothing missing/);
  for (const path of ALL_FILES) assert.equal(statSync(join(repo, path)).mtimeMs, past.getTime(), path);
});

test('--missing-only restores a deleted file byte for byte and leaves the others alone', () => {
  const repo = completeCopy();
  const past = new Date('2020-01-01T00:00:00Z');
  for (const path of ALL_FILES) utimesSync(join(repo, path), past, past);
  unlinkSync(join(repo, 'iris/2/model.onnx'));

  const result = cli('--missing-only', '--out', repo);

  assert.equal(result.status, 0, result.stderr);
  assert.deepEqual(readFileSync(join(repo, 'iris/2/model.onnx')), readFileSync(join(complete, 'iris/2/model.onnx')));
  const untouched = ALL_FILES.filter((path) => path !== 'iris/2/model.onnx');
  for (const path of untouched) assert.equal(statSync(join(repo, path)).mtimeMs, past.getTime(), path);
});
