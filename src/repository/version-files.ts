// The files of a version directory and their fingerprint: what the watcher compares between polls.
import { createHash } from 'node:crypto';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

export interface VersionFile {
  /** Path relative to the version directory, with '/' separators. */
  path: string;
  size: number;
  mtimeMs: number;
}

/** Hard limits that keep a hostile or mistaken directory from making a poll walk forever. */
const MAX_FILES = 10_000;
const MAX_DEPTH = 8;

/**
 * Every regular file below `dir`, sorted by path. Symbolic links are listed with their own size and
 * mtime (never followed), so a link cannot pull files from outside the repository into a version.
 */
export async function listVersionFiles(dir: string): Promise<VersionFile[]> {
  const out: VersionFile[] = [];
  const walk = async (sub: string, depth: number): Promise<void> => {
    const entries = await readdir(join(dir, sub), { withFileTypes: true });
    for (const entry of entries) {
      const rel = sub === '' ? entry.name : `${sub}/${entry.name}`;
      if (entry.isDirectory()) {
        if (depth >= MAX_DEPTH) throw new Error(`${rel}: directories nest deeper than ${MAX_DEPTH} levels`);
        await walk(rel, depth + 1);
        continue;
      }
      const info = await lstat(join(dir, rel));
      out.push({ path: rel, size: info.size, mtimeMs: info.mtimeMs });
      if (out.length > MAX_FILES) throw new Error(`more than ${MAX_FILES} files`);
    }
  };
  await walk('', 0);
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** A short digest of names, sizes and mtimes: equal fingerprints mean nothing was written in between. */
export function fingerprintFiles(files: readonly VersionFile[]): string {
  const hash = createHash('sha256');
  for (const f of files) hash.update(`${f.path}\0${f.size}\0${f.mtimeMs}\n`);
  return hash.digest('hex').slice(0, 32);
}

export const sha256Hex = (data: Uint8Array | string): string => createHash('sha256').update(data).digest('hex');
