// The generated part of the default model repository: the files each demo model owns; writing and checking them.
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The embedded default model repository, `models/` at the project root. */
export const DEFAULT_REPOSITORY = fileURLToPath(new URL('../../models/', import.meta.url));

export interface GeneratedModel {
  /** Repository-relative path → contents. */
  files: Record<string, Uint8Array | string>;
  /** Lines for the CLI to print (accuracies, sizes). */
  report: string[];
}

/**
 * A model's files are listed up front so that `--missing-only` can decide without training anything;
 * the generators are imported lazily because loading onnxruntime alone costs more than that whole check.
 */
export interface ModelSet {
  files: string[];
  generate: () => Promise<GeneratedModel>;
}

export const IRIS: ModelSet = {
  files: [
    'iris/model.yaml',
    ...[1, 2].flatMap((v) => [`iris/${v}/model.onnx`, `iris/${v}/training.json`, `iris/${v}/profile.json`]),
  ],
  generate: async () => (await import('./iris.js')).irisFiles(),
};

export const BENCH_MLP: ModelSet = {
  files: ['bench-mlp/model.yaml', 'bench-mlp/1/model.onnx'],
  generate: async () => (await import('./bench-mlp.js')).benchMlpFiles(),
};

export const MODEL_SETS = [IRIS, BENCH_MLP];

export function missingFiles(set: ModelSet, outDir: string): string[] {
  return set.files.filter((path) => !existsSync(join(outDir, path)));
}

export interface BuildResult {
  written: string[];
  report: string[];
}

/** Writes the set's files (overwriting), or with `missingOnly` just those absent; generates nothing when none are. */
export async function buildModelSet(set: ModelSet, outDir: string, missingOnly = false): Promise<BuildResult> {
  const targets = missingOnly ? missingFiles(set, outDir) : set.files;
  if (targets.length === 0) return { written: [], report: [] };
  const generated = await set.generate();
  const produced = Object.keys(generated.files).sort();
  if (produced.join() !== [...set.files].sort().join()) {
    throw new Error(`generator produced [${produced.join(', ')}] but the manifest lists [${set.files.join(', ')}]`);
  }
  for (const path of targets) {
    mkdirSync(dirname(join(outDir, path)), { recursive: true });
    writeFileSync(join(outDir, path), generated.files[path]);
  }
  return { written: targets, report: generated.report };
}

export const buildIrisModels = (outDir: string) => buildModelSet(IRIS, outDir);
export const buildBenchMlp = (outDir: string) => buildModelSet(BENCH_MLP, outDir);

/** Repository-relative paths of the files under `outDir/sub`, or none when it does not exist. */
function listFiles(outDir: string, sub: string): string[] {
  const root = join(outDir, sub);
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .map((path) => join(sub, path))
    .filter((path) => statSync(join(outDir, path)).isFile());
}

function sameBytes(a: string, b: string): boolean {
  return existsSync(a) && existsSync(b) && readFileSync(a).equals(readFileSync(b));
}

/** Paths under `outDir/iris` that differ from a fresh build in a temp dir: changed, missing or extra. */
export async function diffIrisAgainstFreshBuild(outDir: string): Promise<string[]> {
  const fresh = mkdtempSync(join(tmpdir(), 'onnx-serve-check-'));
  try {
    await buildIrisModels(fresh);
    const paths = new Set([...listFiles(fresh, 'iris'), ...listFiles(outDir, 'iris')]);
    return [...paths].sort().filter((path) => !sameBytes(join(fresh, path), join(outDir, path)));
  } finally {
    rmSync(fresh, { recursive: true, force: true });
  }
}
