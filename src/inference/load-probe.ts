// The load probe: a new version is loaded and warmed up in a short-lived child process before the server loads it.
import { ArtifactError } from '../repository/artifact-error.js';
import type { LoadProbe } from '../registry/version-loader.js';
import { createProcessBackend, type ProcessBackendOptions } from './process-backend.js';
import { warmUp } from './warmup.js';

/**
 * NOTE: onnxruntime is native code: a malformed model can crash it (taking the whole server along) or hang the
 * thread that runs it (with the in-process backend, the event loop). The probe takes that risk in a process of
 * its own, bounded by the load timeout; only a model that survives it is loaded where traffic is served.
 */
export function createLoadProbe(opts: ProcessBackendOptions): LoadProbe {
  if (!(opts.loadTimeoutMs > 0)) throw new Error(`load timeout must be positive, got ${opts.loadTimeoutMs} ms`);
  return async (modelBytes, options, warmup) => {
    const started = Date.now();
    const backend = await createProcessBackend(modelBytes, options, opts);
    try {
      if (!warmup) return;
      let timer: NodeJS.Timeout | undefined;
      const left = Math.max(1, opts.loadTimeoutMs - (Date.now() - started));
      const expired = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          backend.kill();
          reject(new ArtifactError('timeout', `warm-up took longer than ${opts.loadTimeoutMs / 1000} s in the load probe; the process was killed`));
        }, left);
      });
      try {
        await Promise.race([warmUp(backend), expired]);
      } catch (err) {
        if (err instanceof ArtifactError) throw err;
        const message = (err as Error).message;
        // NOTE: a run that fails because the process died is a crash; one onnxruntime refused is a failed warm-up.
        throw new ArtifactError(/the inference process/.test(message) ? 'crash' : 'warmup', `in the load probe: ${message}`);
      } finally {
        clearTimeout(timer);
      }
    } finally {
      await backend.dispose();
    }
  };
}
