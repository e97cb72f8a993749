// Iris traffic for the drift demo and tests: rows drawn from the training split, as is or shifted.
import { IRIS_SEED } from '../models/iris.js';
import { IRIS_CLASSES, loadIrisSplit } from '../train/iris-data.js';
import { mulberry32 } from '../train/prng.js';

export interface IrisRow {
  /** sepal length, sepal width, petal length, petal width in cm. */
  features: number[];
  /** The true class index. */
  label: number;
}

/** Covariate shift: sepals 15 % narrower, petals 1.5 cm longer and 0.5 cm wider than any flower trained on. */
export function shiftRow(features: readonly number[]): number[] {
  const [sepalLength, sepalWidth, petalLength, petalWidth] = features;
  return [sepalLength, sepalWidth * 0.85, petalLength + 1.5, petalWidth + 0.5];
}

/** A seeded source of iris rows; the same seed gives the same rows. */
export function irisTraffic(seed: number) {
  const { train } = loadIrisSplit(IRIS_SEED);
  const random = mulberry32(seed);
  return {
    sample(n: number, shifted = false): IrisRow[] {
      return Array.from({ length: n }, () => {
        const i = Math.floor(random() * train.y.length);
        return { features: shifted ? shiftRow(train.x[i]) : [...train.x[i]], label: train.y[i] };
      });
    },
    /** A wrong class for the row, for "mislabeled" feedback. */
    wrongLabel(label: number): number {
      return (label + 1 + Math.floor(random() * (IRIS_CLASSES.length - 1))) % IRIS_CLASSES.length;
    },
    /** The true class, or with probability `share` a wrong one. */
    mislabel(label: number, share: number): number {
      return random() < share ? this.wrongLabel(label) : label;
    },
  };
}
