// manifest.json: the SHA-256 and size of every file of a version, written by `onnx-serve pack`, verified on load.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ArtifactError } from './artifact-error.js';
import type { VersionFile } from './version-files.js';

export const MANIFEST_FILE = 'manifest.json';
export const SIGNATURE_FILE = 'manifest.sig';
export const MANIFEST_FORMAT = 'onnx-serve-manifest/1';

/** Files a manifest never lists: itself and its signature. */
export const isManifestFile = (path: string): boolean => path === MANIFEST_FILE || path === SIGNATURE_FILE;

export const ManifestSchema = z
  .object({
    format: z.literal(MANIFEST_FORMAT),
    /** When set, the version may only be served under this model name (a signed artifact can't be replayed elsewhere). */
    model: z.string().min(1).optional(),
    /** When set, the version may only be served under this version number. */
    version: z.int().min(1).optional(),
    files: z.record(z.string().min(1), z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/), size: z.int().min(0) }).strict()),
    createdAt: z.string().optional(),
  })
  .strict();
export type Manifest = z.infer<typeof ManifestSchema>;

export function parseManifest(bytes: Uint8Array): Manifest {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (err) {
    throw new ArtifactError('integrity', `${MANIFEST_FILE} is not valid JSON: ${(err as Error).message}`);
  }
  const result = ManifestSchema.safeParse(raw);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ArtifactError('integrity', `${MANIFEST_FILE} is invalid: ${issues.join('; ')}`);
  }
  return result.data;
}

/**
 * Cheap check (names and sizes only): the directory holds exactly the manifest's files at their final sizes.
 * The watcher uses it to take a version at once instead of waiting for two unchanged polls.
 */
export function listingMatches(manifest: Manifest, files: readonly VersionFile[]): boolean {
  const listed = files.filter((f) => !isManifestFile(f.path));
  if (listed.length !== Object.keys(manifest.files).length) return false;
  return listed.every((f) => manifest.files[f.path]?.size === f.size);
}

async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Verifies every file against the manifest: nothing missing, nothing extra, sizes and SHA-256 equal.
 * `inMemory` holds files already read (the model), hashed from those very bytes so nothing can change between check and use.
 */
export async function verifyManifest(dir: string, manifest: Manifest, files: readonly VersionFile[], inMemory: Record<string, Uint8Array>): Promise<void> {
  const present = new Map(files.filter((f) => !isManifestFile(f.path)).map((f) => [f.path, f]));
  const extra = [...present.keys()].filter((p) => manifest.files[p] === undefined);
  if (extra.length > 0) throw new ArtifactError('integrity', `file(s) not in ${MANIFEST_FILE}: ${extra.join(', ')}`);
  const missing = Object.keys(manifest.files).filter((p) => !present.has(p));
  if (missing.length > 0) throw new ArtifactError('integrity', `file(s) listed in ${MANIFEST_FILE} are missing: ${missing.join(', ')}`);
  for (const [path, expected] of Object.entries(manifest.files)) {
    const bytes = inMemory[path];
    const size = bytes?.byteLength ?? present.get(path)!.size;
    if (size !== expected.size) throw new ArtifactError('integrity', `${path} has ${size} bytes, ${MANIFEST_FILE} says ${expected.size}`);
    const actual = bytes === undefined ? await sha256OfFile(join(dir, path)) : createHash('sha256').update(bytes).digest('hex');
    if (actual !== expected.sha256) throw new ArtifactError('integrity', `${path} does not match its SHA-256 in ${MANIFEST_FILE} (corrupted or tampered)`);
  }
}

/** A manifest for the files of a directory (everything but the manifest and its signature). */
export async function createManifest(dir: string, files: readonly VersionFile[], pin: { model?: string; version?: number } = {}): Promise<Manifest> {
  const entries: Manifest['files'] = {};
  for (const f of files) {
    if (isManifestFile(f.path)) continue;
    entries[f.path] = { sha256: await sha256OfFile(join(dir, f.path)), size: f.size };
  }
  return { format: MANIFEST_FORMAT, ...pin, files: entries, createdAt: new Date().toISOString() };
}
