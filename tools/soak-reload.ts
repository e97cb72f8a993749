// Soak test (not part of npm test): load and unload one model N times through the real registry path and print
// the server process's RSS before, during and after, per backend.
//
//   npm run soak:reload -- [--cycles 500] [--backend inprocess,worker,process] [--model PATH] [--threads 1]
//                          [--probe] [--compiled]
//
// Each cycle: read + verify the files, create the session, warm it up, run 3 requests, drain, release.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import type { BackendFactory } from '../src/inference/backend.js';
import { PACKAGE_ROOT } from '../src/version.js';

const { values } = parseArgs({
  options: {
    cycles: { type: 'string', default: '500' },
    backend: { type: 'string', default: 'inprocess,worker,process' },
    model: { type: 'string', default: join(PACKAGE_ROOT, 'models/bench-mlp/1/model.onnx') },
    threads: { type: 'string', default: '1' },
    probe: { type: 'boolean', default: false },
    compiled: { type: 'boolean', default: false },
  },
});
// NOTE: --compiled runs dist/ (npm run build), as production does: child processes then start without tsx.
const lib = values.compiled ? '../dist/src' : '../src';
const { createOrtBackend } = (await import(`${lib}/inference/ort-backend.js`)) as typeof import('../src/inference/ort-backend.js');
const { createWorkerBackend } = (await import(`${lib}/inference/worker-backend.js`)) as typeof import('../src/inference/worker-backend.js');
const { processBackendFactory } = (await import(`${lib}/inference/process-backend.js`)) as typeof import('../src/inference/process-backend.js');
const { createLoadProbe } = (await import(`${lib}/inference/load-probe.js`)) as typeof import('../src/inference/load-probe.js');
const { zeroInputs } = (await import(`${lib}/inference/warmup.js`)) as typeof import('../src/inference/warmup.js');
const { ModelRegistry } = (await import(`${lib}/registry/model-registry.js`)) as typeof import('../src/registry/model-registry.js');
const { ModelRepository } = (await import(`${lib}/repository/model-repository.js`)) as typeof import('../src/repository/model-repository.js');
if (!existsSync(values.model)) throw new Error(`${values.model} is missing: run npm run models first`);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) process.stderr.write('note: run with node --expose-gc (npm run soak:reload does) for steadier figures\n');

const BACKENDS: Record<string, BackendFactory> = {
  inprocess: createOrtBackend,
  worker: createWorkerBackend,
  process: processBackendFactory({ loadTimeoutMs: 120_000 }),
};
const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);
const rss = (): number => {
  gc?.();
  return process.memoryUsage().rss;
};

async function soak(backend: string, cycles: number): Promise<Record<string, unknown>> {
  const root = mkdtempSync(join(tmpdir(), 'onnx-serve-soak-'));
  try {
    mkdirSync(join(root, 'soak', '1'), { recursive: true });
    copyFileSync(values.model, join(root, 'soak', '1', 'model.onnx'));
    const registry = new ModelRegistry({
      repository: new ModelRepository(root),
      createBackend: BACKENDS[backend],
      backendOptions: { intraOpThreads: Number(values.threads), interOpThreads: 1, allowSpinning: false },
      warmup: true,
      probe: values.probe ? createLoadProbe({ loadTimeoutMs: 120_000 }) : undefined,
      logger: pino({ level: 'silent' }),
    });
    const cycle = async () => {
      await registry.loadModel('soak');
      const version = registry.resolve('soak');
      for (let i = 1; i <= 3; i++) await version.backend!.run(zeroInputs(version.backend!, i));
      await registry.unloadModel('soak');
    };
    const before = rss();
    await cycle();
    const afterFirst = rss();
    const marks: Record<number, string> = {};
    let peak = afterFirst;
    const started = Date.now();
    for (let i = 2; i <= cycles; i++) {
      await cycle();
      if (i % 50 === 0 || i === cycles) {
        const now = rss();
        peak = Math.max(peak, now);
        marks[i] = mib(now);
        process.stderr.write(`  ${backend}: ${i}/${cycles} cycles, RSS ${mib(now)} MiB\n`);
      }
    }
    const after = rss();
    return {
      backend,
      probe: values.probe,
      compiled: values.compiled,
      cycles,
      rssBeforeMiB: mib(before),
      rssAfterFirstCycleMiB: mib(afterFirst),
      rssAfterMiB: mib(after),
      peakMiB: mib(peak),
      growthAfterFirstCycleMiB: mib(after - afterFirst),
      msPerCycle: Math.round((Date.now() - started) / Math.max(1, cycles - 1)),
      rssEvery50: marks,
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const cycles = Number(values.cycles);
const backends = values.backend.split(',');
for (const backend of backends) if (BACKENDS[backend] === undefined) throw new Error(`unknown backend '${backend}' (inprocess, worker, process)`);
if (backends.length === 1) {
  process.stdout.write(`${JSON.stringify(await soak(backends[0], cycles))}\n`);
} else {
  process.stdout.write(`model ${values.model}, ${cycles} load/unload cycles, intra-op threads ${values.threads}, Node ${process.version}\n`);
  // NOTE: one fresh process per backend, so no run inherits another's heap or allocator state.
  for (const backend of backends) {
    const args = [...process.execArgv, process.argv[1], '--cycles', String(cycles), '--model', values.model, '--threads', values.threads, '--backend', backend];
    if (values.probe) args.push('--probe');
    if (values.compiled) args.push('--compiled');
    const run = spawnSync(process.execPath, args, { stdio: 'inherit' });
    if (run.status !== 0) process.exitCode = 1;
  }
}
