// The Iris demo models: trains v1 (softmax regression) and v2 (MLP), exports them to ONNX and checks ORT agrees.
import { buildProfile, classificationPerformance } from '../../src/monitoring/profile/build-profile.js';
import { serializeProfile } from '../../src/repository/profile-file.js';
import { GraphBuilder } from '../onnx/graph-builder.js';
import { runModel, toRows } from '../onnx/run-model.js';
import { IRIS_CLASSES, IRIS_FEATURES, type Rows, loadIrisSplit, standardization, standardize } from '../train/iris-data.js';
import { type Matrix, accuracy, argmax } from '../train/math.js';
import { type MlpHyperparameters, mlpForward, trainMlp } from '../train/mlp.js';
import {
  type SoftmaxRegressionHyperparameters,
  softmaxRegressionForward,
  trainSoftmaxRegression,
} from '../train/softmax-regression.js';
import type { GeneratedModel } from './repository.js';

export const IRIS_SEED = 42;
const MAX_ABS_DIFF = 1e-5;

const MODEL_YAML = `# Iris flower classifier (demo). Built by tools/build-models.ts; do not edit by hand.
versionPolicy:
  latest: 2
labels: [${IRIS_CLASSES.join(', ')}]
monitoring:                 # drift against each version's profile.json, accuracy from feedback (defaults otherwise)
  inputs:
    features: [${IRIS_FEATURES.join(', ')}]
  outputs:
    label: classes
  target: label
`;

const SOFTMAX_HP: SoftmaxRegressionHyperparameters = { learningRate: 0.5, epochs: 2000, l2: 1e-3 };
const MLP_HP: MlpHyperparameters = {
  hidden: 16,
  activation: 'tanh',
  optimizer: 'adam',
  learningRate: 0.01,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-8,
  epochs: 1000,
  l2: 1e-4,
};

/** A trained version: its forward pass (on standardized inputs) and the graph layers computing the same `logits`. */
interface TrainedVersion {
  algorithm: string;
  hyperparameters: object;
  predict: (x: Matrix) => Matrix;
  addLayers: (g: GraphBuilder, input: string) => GraphBuilder;
}

function trainVersions(x: Matrix, y: number[]): TrainedVersion[] {
  const linear = trainSoftmaxRegression(x, y, IRIS_CLASSES.length, SOFTMAX_HP);
  const mlp = trainMlp(x, y, IRIS_CLASSES.length, MLP_HP, IRIS_SEED);
  return [
    {
      algorithm: 'softmax-regression (full-batch gradient descent, L2)',
      hyperparameters: SOFTMAX_HP,
      predict: (rows) => softmaxRegressionForward(linear, rows),
      addLayers: (g, input) =>
        g
          .initializer('W', 'FP32', [4, 3], linear.w.flat())
          .initializer('B', 'FP32', [3], linear.b)
          .node('Gemm', [input, 'W', 'B'], ['logits']),
    },
    {
      algorithm: 'mlp 4-16-3 tanh (full-batch Adam, L2)',
      hyperparameters: MLP_HP,
      predict: (rows) => mlpForward(mlp, rows).probs,
      addLayers: (g, input) =>
        g
          .initializer('W1', 'FP32', [4, MLP_HP.hidden], mlp.w1.flat())
          .initializer('B1', 'FP32', [MLP_HP.hidden], mlp.b1)
          .initializer('W2', 'FP32', [MLP_HP.hidden, 3], mlp.w2.flat())
          .initializer('B2', 'FP32', [3], mlp.b2)
          .node('Gemm', [input, 'W1', 'B1'], ['hidden_pre'])
          .node('Tanh', ['hidden_pre'], ['hidden'])
          .node('Gemm', ['hidden', 'W2', 'B2'], ['logits']),
    },
  ];
}

/** Raw features in, standardization inside the graph, so callers send centimetres. */
function irisGraph(version: TrainedVersion, mean: number[], std: number[]): Uint8Array {
  const g = new GraphBuilder('iris')
    .input('features', 'FP32', ['batch', 4])
    .output('probabilities', 'FP32', ['batch', 3])
    .output('label', 'INT64', ['batch'])
    .initializer('mean', 'FP32', [4], mean)
    .initializer('std', 'FP32', [4], std)
    .node('Sub', ['features', 'mean'], ['centered'])
    .node('Div', ['centered', 'std'], ['standardized']);
  return (
    version
      .addLayers(g, 'standardized')
      .node('Softmax', ['logits'], ['probabilities'], { axis: 1 })
      // ArgMax over the probabilities (not the logits) so `label` can never disagree with what callers see.
      .node('ArgMax', ['probabilities'], ['label'], { axis: 1, keepdims: 0 })
      .toBytes()
  );
}

/** Fails the build when onnxruntime's view of the graph differs from the model that was trained. */
async function verifyWithOrt(
  model: Uint8Array,
  heldOut: Rows,
  expected: Matrix,
  expectedAccuracy: number,
): Promise<void> {
  const out = await runModel(model, 'features', heldOut.x);
  const probs = toRows(out.probabilities);
  const diff = Math.max(...probs.flatMap((row, n) => row.map((p, j) => Math.abs(p - expected[n][j]))));
  if (!(diff < MAX_ABS_DIFF)) throw new Error(`ONNX probabilities differ from the TypeScript forward pass by ${diff}`);
  const ortAccuracy = accuracy(Array.from(out.label.data as BigInt64Array, Number), heldOut.y);
  if (ortAccuracy !== expectedAccuracy) {
    throw new Error(`ONNX held-out accuracy ${ortAccuracy} differs from the trained model's ${expectedAccuracy}`);
  }
}

/**
 * Reference statistics: the training rows' features and the version's predictions on them; accuracy on the
 * held-out rows, which the build has just checked onnxruntime reproduces.
 */
function irisProfile(data: ReturnType<typeof loadIrisSplit>, trainPredictions: number[], heldOutPredictions: number[]): string {
  return serializeProfile(
    buildProfile({
      rows: data.train.y.length,
      source: `iris training split (seed ${IRIS_SEED}, data sha256 ${data.sha256})`,
      features: IRIS_FEATURES.map((name, column) => ({ name, input: 'features', column, type: 'numeric', values: data.train.x.map((row) => row[column]) })),
      outputs: [{ name: 'label', type: 'classes', classes: IRIS_CLASSES.length, values: trainPredictions }],
      performance: classificationPerformance('label', heldOutPredictions, data.test.y),
    }),
  );
}

export async function irisFiles(): Promise<GeneratedModel> {
  const data = loadIrisSplit(IRIS_SEED);
  const stats = standardization(data.train.x);
  const [xTrain, xTest] = [standardize(data.train.x, stats), standardize(data.test.x, stats)];
  const generated: GeneratedModel = { files: { 'iris/model.yaml': MODEL_YAML }, report: [] };
  for (const [i, version] of trainVersions(xTrain, data.train.y).entries()) {
    const testProbs = version.predict(xTest);
    const metrics = {
      heldOutAccuracy: accuracy(testProbs.map(argmax), data.test.y),
      trainAccuracy: accuracy(version.predict(xTrain).map(argmax), data.train.y),
    };
    const model = irisGraph(version, stats.mean, stats.std);
    await verifyWithOrt(model, data.test, testProbs, metrics.heldOutAccuracy);
    const training = {
      algorithm: version.algorithm,
      hyperparameters: version.hyperparameters,
      dataset: {
        name: 'iris',
        rows: data.rows,
        trainRows: data.train.y.length,
        testRows: data.test.y.length,
        sha256: data.sha256,
      },
      metrics,
      seed: IRIS_SEED,
    };
    generated.files[`iris/${i + 1}/model.onnx`] = model;
    generated.files[`iris/${i + 1}/training.json`] = `${JSON.stringify(training, null, 2)}\n`;
    generated.files[`iris/${i + 1}/profile.json`] = irisProfile(data, version.predict(xTrain).map(argmax), testProbs.map(argmax));
    generated.report.push(
      `iris v${i + 1} ${version.algorithm}: held-out ${metrics.heldOutAccuracy}, train ${metrics.trainAccuracy}`,
    );
  }
  return generated;
}
