// DISK: finds models/<name>/<version>/model.onnx and model.yaml; never holds loaded models.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MODEL_NAME_PATTERN, VERSION_PATTERN } from '../schemas/common.js';
import type { Profile } from '../schemas/profile.js';
import { readModelConfig, type ModelConfig } from './model-config.js';
import { parseProfile } from './profile-file.js';

export const MODEL_FILE = 'model.onnx';
export const CONFIG_FILE = 'model.yaml';
export const PROFILE_FILE = 'profile.json';

export interface VersionSource {
  version: number;
  dir: string;
}

/** A model as found on disk; `configError` set when model.yaml is unusable (the model then can't load). */
export interface ModelSource {
  name: string;
  dir: string;
  config: ModelConfig | null;
  configError?: string;
  versions: VersionSource[];
}

export interface RepositoryWarning {
  path: string;
  message: string;
}

export const isValidModelName = (name: string): boolean => MODEL_NAME_PATTERN.test(name);
export const isValidVersion = (version: string): boolean => VERSION_PATTERN.test(version);

async function subdirectories(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
}

/** The model repository on disk. Names and versions are validated before any path is built from them. */
export class ModelRepository {
  readonly warnings: RepositoryWarning[] = [];

  constructor(readonly root: string) {}

  /** Every model directory, skipping (with a warning) entries whose names are not valid model names. */
  async list(): Promise<string[]> {
    this.warnings.length = 0;
    const names: string[] = [];
    for (const name of await subdirectories(this.root)) {
      if (isValidModelName(name)) names.push(name);
      else if (!name.startsWith('.')) this.warnings.push({ path: join(this.root, name), message: 'not a valid model name; ignored' });
    }
    return names;
  }

  /** One model's config and version directories; null when the model directory does not exist. */
  async read(name: string): Promise<ModelSource | null> {
    if (!isValidModelName(name)) return null;
    const dir = join(this.root, name);
    try {
      if (!(await stat(dir)).isDirectory()) return null;
    } catch {
      return null;
    }
    let config: ModelConfig | null = null;
    let configError: string | undefined;
    try {
      config = await readModelConfig(join(dir, CONFIG_FILE));
    } catch (err) {
      configError = (err as Error).message;
    }
    const versions: VersionSource[] = [];
    for (const entry of await subdirectories(dir)) {
      if (isValidVersion(entry)) versions.push({ version: Number(entry), dir: join(dir, entry) });
      else this.warnings.push({ path: join(dir, entry), message: 'version directories are positive integers; ignored' });
    }
    versions.sort((a, b) => a.version - b.version);
    return { name, dir, config, configError, versions };
  }

  /** The bytes of a version's model file (the seam where integrity checks and decryption attach). */
  async readModel(source: VersionSource): Promise<Uint8Array> {
    return readFile(join(source.dir, MODEL_FILE));
  }

  /** A version's reference profile for drift monitoring: null when it has none; throws when it is unusable. */
  async readProfile(source: VersionSource): Promise<Profile | null> {
    let text: string;
    try {
      text = await readFile(join(source.dir, PROFILE_FILE), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new Error(`cannot read profile.json: ${(err as Error).message}`);
    }
    return parseProfile(text);
  }
}
