// DISK: finds models/<name>/<version>/model.onnx and model.yaml; never holds loaded models.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MODEL_NAME_PATTERN, VERSION_PATTERN } from '../schemas/common.js';
import type { Profile } from '../schemas/profile.js';
import { MODEL_FILE, openVersion, OPEN_POLICY, type ArtifactPolicy, type OpenedVersion } from './artifacts.js';
import { listingMatches, MANIFEST_FILE, parseManifest, SIGNATURE_FILE } from './manifest.js';
import { parseModelConfig, type ModelConfig } from './model-config.js';
import { parseProfile } from './profile-file.js';
import { fingerprintFiles, listVersionFiles, sha256Hex } from './version-files.js';

export { MODEL_FILE };
export const CONFIG_FILE = 'model.yaml';
export const PROFILE_FILE = 'profile.json';

export interface VersionSource {
  version: number;
  dir: string;
  /** Names, sizes and mtimes of its files, digested: changes whenever anything in the directory is written. */
  fingerprint: string;
  /** A manifest is present and the files match its names and sizes: the copy is complete. */
  manifestComplete: boolean;
}

/** A model as found on disk; `configError` set when model.yaml is unusable (the model then can't load). */
export interface ModelSource {
  name: string;
  dir: string;
  config: ModelConfig | null;
  configError?: string;
  /** Digest of model.yaml's bytes ('' when absent). */
  configHash: string;
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

  constructor(
    readonly root: string,
    private readonly policy: ArtifactPolicy = OPEN_POLICY,
  ) {}

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
    let text: string | null = null;
    let config: ModelConfig | null = null;
    let configError: string | undefined;
    try {
      text = await readFile(join(dir, CONFIG_FILE), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') configError = `cannot read model.yaml: ${(err as Error).message}`;
    }
    if (configError === undefined) {
      try {
        config = parseModelConfig(text);
      } catch (err) {
        configError = (err as Error).message;
      }
    }
    const versions: VersionSource[] = [];
    let entries: string[];
    try {
      entries = await subdirectories(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null; // NOTE: removed while we looked
      throw err;
    }
    for (const entry of entries) {
      if (!isValidVersion(entry)) {
        this.warnings.push({ path: join(dir, entry), message: 'version directories are positive integers; ignored' });
        continue;
      }
      const source = await this.#describeVersion(Number(entry), join(dir, entry));
      if (source !== null) versions.push(source);
    }
    versions.sort((a, b) => a.version - b.version);
    return { name, dir, config, configError, configHash: text === null ? '' : sha256Hex(text), versions };
  }

  async #describeVersion(version: number, dir: string): Promise<VersionSource | null> {
    let files;
    try {
      files = await listVersionFiles(dir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return null; // NOTE: removed while we looked
      // NOTE: an unlistable directory still counts as a version, so loading it reports why it can't serve.
      return { version, dir, fingerprint: `unlistable:${code ?? (err as Error).message}`, manifestComplete: false };
    }
    const fingerprint = fingerprintFiles(files);
    let manifestComplete = false;
    const names = new Set(files.map((f) => f.path));
    if (names.has(MANIFEST_FILE) && (!this.policy.requireSignatures || names.has(SIGNATURE_FILE))) {
      try {
        manifestComplete = listingMatches(parseManifest(await readFile(join(dir, MANIFEST_FILE))), files);
      } catch {
        // NOTE: an unreadable or half-written manifest only means "not known complete yet"; loading reports it.
      }
    }
    return { version, dir, fingerprint, manifestComplete };
  }

  /** A version's model bytes, verified (manifest, signature) and decrypted as the artifact policy demands. */
  async openModel(name: string, source: VersionSource): Promise<OpenedVersion> {
    return openVersion(source.dir, this.policy, { model: name, version: source.version });
  }

  /** The verified, decrypted bytes of a version's model. */
  async readModel(name: string, source: VersionSource): Promise<Uint8Array> {
    return (await this.openModel(name, source)).bytes;
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
