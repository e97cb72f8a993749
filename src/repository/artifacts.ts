// Protected artifacts: reading a version's model bytes through manifest, signature and decryption checks.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../config/load.js';
import { ArtifactError } from './artifact-error.js';
import { decryptModel, ENCRYPTED_MODEL_FILE, parseModelKey } from './encryption.js';
import { MANIFEST_FILE, parseManifest, SIGNATURE_FILE, verifyManifest } from './manifest.js';
import { loadTrustedKeys, verifyManifestSignature, type TrustedKeys } from './signing.js';
import { listVersionFiles } from './version-files.js';

export const MODEL_FILE = 'model.onnx';

/** What the repository demands of a version before its bytes reach onnxruntime. */
export interface ArtifactPolicy {
  requireManifest: boolean;
  requireSignatures: boolean;
  trustedKeys: TrustedKeys | null;
  /** The AES-256 key for model.onnx.enc; never logged. */
  modelKey: Buffer | null;
}

export const OPEN_POLICY: ArtifactPolicy = { requireManifest: false, requireSignatures: false, trustedKeys: null, modelKey: null };

export interface ArtifactSettings {
  requireManifest: boolean;
  requireSignatures: boolean;
  trustedKeys?: string;
  modelKey?: string;
  modelKeyFile?: string;
}

/** Reads the keys once, at startup; every problem fails the start (ConfigError) instead of every later load. */
export function createArtifactPolicy(settings: ArtifactSettings): ArtifactPolicy {
  const problems: string[] = [];
  const attempt = <T>(what: string, read: () => T): T | null => {
    try {
      return read();
    } catch (err) {
      // NOTE: the messages name files and formats, never key material.
      problems.push(`${what}: ${(err as Error).message}`);
      return null;
    }
  };
  const trustedKeys = settings.trustedKeys === undefined ? null : attempt('--trusted-keys', () => loadTrustedKeys(settings.trustedKeys!));
  let modelKey: Buffer | null = null;
  if (settings.modelKeyFile !== undefined) modelKey = attempt('--model-key-file', () => parseModelKey(readFileSync(settings.modelKeyFile!)));
  else if (settings.modelKey !== undefined) modelKey = attempt('--model-key / ONNX_SERVE_MODEL_KEY', () => parseModelKey(settings.modelKey!));
  if (problems.length > 0) throw new ConfigError(`Invalid settings:\n  ${problems.join('\n  ')}`);
  return { requireManifest: settings.requireManifest || settings.requireSignatures, requireSignatures: settings.requireSignatures, trustedKeys, modelKey };
}

export interface OpenedVersion {
  bytes: Uint8Array;
  /** Which checks passed, for the load log line. */
  checks: { manifest: boolean; signedBy?: string; encrypted: boolean };
}

const readOptional = async (path: string): Promise<Buffer | null> => {
  try {
    return await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new ArtifactError('unreadable', `cannot read ${path.split('/').pop()}: ${(err as Error).message}`);
  }
};

/**
 * The model bytes of one version directory, after every check the policy asks for. The bytes hashed are
 * the bytes returned (no second read), and a decrypted model exists only in memory.
 */
export async function openVersion(dir: string, policy: ArtifactPolicy, place: { model: string; version: number }): Promise<OpenedVersion> {
  const files = await listVersionFiles(dir).catch((err: Error) => {
    throw new ArtifactError('unreadable', `cannot list the version directory: ${err.message}`);
  });
  const names = new Set(files.map((f) => f.path));
  if (names.has(MODEL_FILE) && names.has(ENCRYPTED_MODEL_FILE)) {
    throw new ArtifactError('integrity', `both ${MODEL_FILE} and ${ENCRYPTED_MODEL_FILE} are present; a version holds one of them`);
  }
  const encrypted = names.has(ENCRYPTED_MODEL_FILE);
  const modelFile = encrypted ? ENCRYPTED_MODEL_FILE : MODEL_FILE;
  const stored = await readOptional(join(dir, modelFile));
  if (stored === null) throw new ArtifactError('unreadable', `${MODEL_FILE} not found`);

  const manifestBytes = await readOptional(join(dir, MANIFEST_FILE));
  const sigBytes = await readOptional(join(dir, SIGNATURE_FILE));
  const checks: OpenedVersion['checks'] = { manifest: manifestBytes !== null, encrypted };
  if (manifestBytes === null) {
    if (policy.requireSignatures) throw new ArtifactError('signature', `unsigned: no ${MANIFEST_FILE} (signatures are required)`);
    if (policy.requireManifest) throw new ArtifactError('integrity', `no ${MANIFEST_FILE} (manifests are required)`);
    if (sigBytes !== null) throw new ArtifactError('integrity', `${SIGNATURE_FILE} without ${MANIFEST_FILE}`);
  } else {
    if (sigBytes === null && policy.requireSignatures) throw new ArtifactError('signature', `unsigned: no ${SIGNATURE_FILE} (signatures are required)`);
    // NOTE: a signature is checked whenever keys are configured, required or not: a bad one is a warning sign.
    if (sigBytes !== null && policy.trustedKeys !== null) checks.signedBy = verifyManifestSignature(manifestBytes, sigBytes, policy.trustedKeys);
    const manifest = parseManifest(manifestBytes);
    if (manifest.model !== undefined && manifest.model !== place.model) {
      throw new ArtifactError('integrity', `${MANIFEST_FILE} pins model '${manifest.model}', but the version is under '${place.model}'`);
    }
    if (manifest.version !== undefined && manifest.version !== place.version) {
      throw new ArtifactError('integrity', `${MANIFEST_FILE} pins version ${manifest.version}, but the directory is version ${place.version}`);
    }
    await verifyManifest(dir, manifest, files, { [modelFile]: stored });
  }
  const bytes = encrypted ? decryptModel(stored, policy.modelKey) : stored;
  return { bytes, checks };
}
