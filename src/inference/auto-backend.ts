// Backend `auto`: measures each model in-process at load and moves it to a worker thread when its runs are long enough to pay for the hop.
import { performance } from 'node:perf_hooks';
import type { BackendFactory, InferenceBackend } from './backend.js';
import { createOrtBackend } from './ort-backend.js';
import { zeroInputs } from './warmup.js';
import { createWorkerBackend } from './worker-backend.js';

const WARM_RUNS = 3;
const TIMED_RUNS = 7;

/** Median milliseconds of a batch-1 run on zeros, after a few untimed runs (the first ones plan memory). */
export async function medianRunMs(backend: InferenceBackend): Promise<number> {
  const inputs = zeroInputs(backend);
  for (let i = 0; i < WARM_RUNS; i++) await backend.run(inputs);
  const times: number[] = [];
  for (let i = 0; i < TIMED_RUNS; i++) {
    const start = performance.now();
    await backend.run(inputs);
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b)[TIMED_RUNS >> 1];
}

/**
 * NOTE: in-process runs block the event loop but cost nothing to reach; a worker frees the event loop (and uses the
 * second core) but each run pays a message round trip. Models faster than `thresholdMs` stay in-process.
 */
export function createAutoBackend(thresholdMs: number): BackendFactory {
  if (!(thresholdMs >= 0)) throw new Error(`createAutoBackend: thresholdMs must be ≥ 0, got ${thresholdMs}`);
  return async (bytes, options) => {
    const inprocess = await createOrtBackend(bytes, options);
    let ms: number;
    try {
      ms = await medianRunMs(inprocess);
    } catch {
      return inprocess; // NOTE: the registry's warm-up reports why the model can't run
    }
    if (ms < thresholdMs) return inprocess;
    await inprocess.dispose();
    return createWorkerBackend(bytes, options);
  };
}
