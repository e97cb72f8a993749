// Multinomial logistic (softmax) regression trained by full-batch gradient descent with an L2 penalty.
import {
  type Matrix,
  affine,
  columnSums,
  crossEntropyGradient,
  softmaxRows,
  toFloat32,
  transposeTimes,
  zeros,
} from './math.js';

export interface SoftmaxRegressionHyperparameters {
  learningRate: number;
  epochs: number;
  /** Weight of ½‖W‖² in the loss; biases are not penalized. */
  l2: number;
}

export interface SoftmaxRegression {
  /** [features, classes] */
  w: Matrix;
  b: number[];
}

/** Starts from zeros: the loss is convex, so no random init is needed for a unique, reproducible optimum. */
export function trainSoftmaxRegression(
  x: Matrix,
  y: number[],
  classes: number,
  hp: SoftmaxRegressionHyperparameters,
): SoftmaxRegression {
  const w = zeros(x[0].length, classes);
  const b = new Array<number>(classes).fill(0);
  for (let epoch = 0; epoch < hp.epochs; epoch++) {
    const dz = crossEntropyGradient(softmaxRows(affine(x, w, b)), y);
    const dw = transposeTimes(x, dz);
    const db = columnSums(dz);
    w.forEach((row, i) => row.forEach((v, j) => (row[j] = v - hp.learningRate * (dw[i][j] + hp.l2 * v))));
    db.forEach((g, j) => (b[j] -= hp.learningRate * g));
  }
  return { w: toFloat32(w), b: b.map(Math.fround) };
}

/** Class probabilities for standardized inputs. */
export function softmaxRegressionForward(model: SoftmaxRegression, x: Matrix): Matrix {
  return softmaxRows(affine(x, model.w, model.b));
}
