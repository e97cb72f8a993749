// A one-hidden-layer tanh MLP classifier trained full batch with Adam and an L2 penalty.
import {
  type Matrix,
  affine,
  columnSums,
  crossEntropyGradient,
  softmaxRows,
  timesTranspose,
  toFloat32,
  transposeTimes,
} from './math.js';
import { mulberry32, xavierUniform } from './prng.js';

export interface MlpHyperparameters {
  hidden: number;
  activation: 'tanh';
  optimizer: 'adam';
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  epochs: number;
  /** Weight of ½‖W‖² in the loss; biases are not penalized. */
  l2: number;
}

export interface Mlp {
  w1: Matrix;
  b1: number[];
  w2: Matrix;
  b2: number[];
}

/** Hidden activations and class probabilities for standardized inputs. */
export function mlpForward(model: Mlp, x: Matrix): { hidden: Matrix; probs: Matrix } {
  const hidden = affine(x, model.w1, model.b1).map((row) => row.map(Math.tanh));
  return { hidden, probs: softmaxRows(affine(hidden, model.w2, model.b2)) };
}

/**
 * Adam over a list of parameter vectors updated in place; a matrix takes part as its rows, so the
 * optimizer needs no notion of shape.
 */
function createAdam(params: number[][], hp: MlpHyperparameters): (grads: number[][]) => void {
  const m = params.map((p) => new Array<number>(p.length).fill(0));
  const v = params.map((p) => new Array<number>(p.length).fill(0));
  let step = 0;
  return (grads) => {
    step++;
    const correct1 = 1 - hp.beta1 ** step;
    const correct2 = 1 - hp.beta2 ** step;
    params.forEach((p, k) =>
      p.forEach((_, i) => {
        const g = grads[k][i];
        m[k][i] = hp.beta1 * m[k][i] + (1 - hp.beta1) * g;
        v[k][i] = hp.beta2 * v[k][i] + (1 - hp.beta2) * g * g;
        p[i] -= (hp.learningRate * (m[k][i] / correct1)) / (Math.sqrt(v[k][i] / correct2) + hp.epsilon);
      }),
    );
  };
}

const withL2 = (grad: Matrix, w: Matrix, l2: number): Matrix =>
  grad.map((row, i) => row.map((g, j) => g + l2 * w[i][j]));

export function trainMlp(x: Matrix, y: number[], classes: number, hp: MlpHyperparameters, seed: number): Mlp {
  const random = mulberry32(seed);
  const model: Mlp = {
    w1: xavierUniform(x[0].length, hp.hidden, random),
    b1: new Array<number>(hp.hidden).fill(0),
    w2: xavierUniform(hp.hidden, classes, random),
    b2: new Array<number>(classes).fill(0),
  };
  const adam = createAdam([...model.w1, model.b1, ...model.w2, model.b2], hp);
  for (let epoch = 0; epoch < hp.epochs; epoch++) {
    const { hidden, probs } = mlpForward(model, x);
    const dz = crossEntropyGradient(probs, y);
    const dHidden = timesTranspose(dz, model.w2).map((row, n) => row.map((g, j) => g * (1 - hidden[n][j] ** 2)));
    adam([
      ...withL2(transposeTimes(x, dHidden), model.w1, hp.l2),
      columnSums(dHidden),
      ...withL2(transposeTimes(hidden, dz), model.w2, hp.l2),
      columnSums(dz),
    ]);
  }
  const { w1, b1, w2, b2 } = model;
  return { w1: toFloat32(w1), b1: b1.map(Math.fround), w2: toFloat32(w2), b2: b2.map(Math.fround) };
}
