// Packing a version directory for a protected repository: encrypt the model, write the manifest, sign it.
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { MODEL_FILE } from './artifacts.js';
import { ENCRYPTED_MODEL_FILE, encryptModel } from './encryption.js';
import { createManifest, isManifestFile, MANIFEST_FILE, SIGNATURE_FILE, type Manifest } from './manifest.js';
import { signManifest } from './signing.js';
import { listVersionFiles } from './version-files.js';

export interface PackOptions {
  /** Write the packed version here (must be new or empty) instead of rewriting `dir` in place. */
  out?: string;
  /** Ed25519 private key (PEM) to sign the manifest with. */
  signingKeyPem?: string;
  /** AES-256 key: replace model.onnx by model.onnx.enc. */
  encryptionKey?: Uint8Array;
  /** Pin the manifest to a model name and version, so the artifact can't be served under another. */
  model?: string;
  version?: number;
}

export interface PackResult {
  dir: string;
  manifest: Manifest;
  signed: boolean;
  encrypted: boolean;
}

async function isEmptyOrMissing(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length === 0;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw err;
  }
}

/**
 * Writes the files first and manifest.json (then manifest.sig) last, so a watcher that sees a complete
 * manifest sees a complete version. In place, the plaintext model.onnx is removed once encrypted.
 */
export async function packVersion(dir: string, options: PackOptions = {}): Promise<PackResult> {
  const files = (await listVersionFiles(dir)).filter((f) => !isManifestFile(f.path));
  const names = new Set(files.map((f) => f.path));
  if (names.has(MODEL_FILE) && names.has(ENCRYPTED_MODEL_FILE)) throw new Error(`${dir} holds both ${MODEL_FILE} and ${ENCRYPTED_MODEL_FILE}`);
  if (!names.has(MODEL_FILE) && !names.has(ENCRYPTED_MODEL_FILE)) throw new Error(`${dir} has no ${MODEL_FILE}`);
  const encrypt = options.encryptionKey !== undefined;
  if (encrypt && !names.has(MODEL_FILE)) throw new Error(`${dir} is already encrypted (${ENCRYPTED_MODEL_FILE})`);

  // NOTE: a bad signing key fails here, before anything is written.
  if (options.signingKeyPem !== undefined) signManifest(Buffer.alloc(0), options.signingKeyPem);
  const out = options.out ?? dir;
  if (options.out !== undefined) {
    if (!(await isEmptyOrMissing(out))) throw new Error(`${out} exists and is not empty`);
    await mkdir(out, { recursive: true });
    for (const f of files) {
      if (encrypt && f.path === MODEL_FILE) continue;
      await mkdir(dirname(join(out, f.path)), { recursive: true });
      await copyFile(join(dir, f.path), join(out, f.path));
    }
  }
  await rm(join(out, SIGNATURE_FILE), { force: true });
  await rm(join(out, MANIFEST_FILE), { force: true });
  if (encrypt) {
    const plaintext = await readFile(join(dir, MODEL_FILE));
    await writeFile(join(out, ENCRYPTED_MODEL_FILE), encryptModel(plaintext, options.encryptionKey!));
    plaintext.fill(0);
    if (options.out === undefined) await rm(join(dir, MODEL_FILE));
  }
  const manifest = await createManifest(out, await listVersionFiles(out), { model: options.model, version: options.version });
  const manifestBytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
  await writeFile(join(out, MANIFEST_FILE), manifestBytes);
  if (options.signingKeyPem !== undefined) await writeFile(join(out, SIGNATURE_FILE), signManifest(manifestBytes, options.signingKeyPem));
  return { dir: out, manifest, signed: options.signingKeyPem !== undefined, encrypted: encrypt };
}
