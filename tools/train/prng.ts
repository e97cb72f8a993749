// Seeded randomness for training and weight init, so every build is reproducible byte for byte.
import type { Matrix } from './math.js';

/** mulberry32: a tiny 32-bit generator returning floats in [0, 1); good enough for shuffles and init. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher–Yates on a copy. */
export function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Glorot/Xavier uniform init of a [fanIn, fanOut] weight matrix: keeps activation variance stable across layers. */
export function xavierUniform(fanIn: number, fanOut: number, random: () => number): Matrix {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  return Array.from({ length: fanIn }, () => Array.from({ length: fanOut }, () => (2 * random() - 1) * limit));
}
