// API keys: generated at random, shown once, stored only as salted scrypt hashes, checked in constant time.
import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { z } from 'zod';
import { ScopeSchema } from './access.js';

/**
 * `osk_<id>_<secret>`: the id (12 hex digits) finds the one stored hash to check, so a wrong key costs
 * one scrypt at most and an unknown id none; the secret is 32 random bytes (base64url). The prefix lets
 * secret scanners recognise a leaked key.
 */
const KEY_PATTERN = /^osk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;
export const KEY_PREFIX = 'osk_';

/** NOTE: the keys are 256-bit random, so the hash only has to make a leaked file useless, not slow down guessing. */
const SCRYPT = { N: 16_384, r: 8, p: 1 };
const SALT_BYTES = 16;
const HASH_BYTES = 32;

const scrypt = (secret: string, salt: Buffer, length: number, options: ScryptOptions): Promise<Buffer> =>
  new Promise((resolve, reject) => scryptCallback(secret, salt, length, { ...options, maxmem: 65 * 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key))));

/** NOTE: checked when the file is read, so a typo can't make every check throw (or cost a gigabyte) at request time. */
function saneParameters(hash: string): boolean {
  const [, n, r, p] = hash.split('$').map(Number);
  return Number.isInteger(Math.log2(n)) && n >= 1024 && n <= 2 ** 20 && r >= 1 && r <= 32 && p >= 1 && p <= 16 && 128 * n * r <= 64 * 1024 * 1024;
}

export const KEY_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/;

/** One stored key: never the key itself. */
export const StoredKeySchema = z
  .object({
    id: z.string().regex(/^[0-9a-f]{12}$/, 'id is 12 hex digits'),
    name: z.string().regex(KEY_NAME_PATTERN, 'names use letters, digits and _ . @ - (max 64)'),
    scopes: z.array(ScopeSchema).min(1),
    hash: z
      .string()
      .regex(/^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9_-]{16,}\$[A-Za-z0-9_-]{22,}$/, 'hash is scrypt$N$r$p$salt$hash')
      .refine(saneParameters, 'hash has scrypt parameters outside N 2^10-2^20, r 1-32, p 1-16, 64 MiB'),
    created: z.string().optional(),
    expires: z.iso.datetime({ offset: true }).optional().describe('After this instant the key is refused'),
  })
  .strict();
export type StoredKey = z.infer<typeof StoredKeySchema>;

/** The keys file: `{"keys": [...]}` (a bare array is accepted too). Ids and names are unique. */
export const KeysFileSchema = z
  .preprocess((raw) => (Array.isArray(raw) ? { keys: raw } : raw), z.object({ keys: z.array(StoredKeySchema) }).strict())
  .superRefine(({ keys }, ctx) => {
    for (const field of ['id', 'name'] as const) {
      const seen = new Set<string>();
      for (const key of keys) {
        if (seen.has(key[field])) ctx.addIssue({ code: 'custom', message: `two keys have the ${field} '${key[field]}'` });
        seen.add(key[field]);
      }
    }
  });

/** Parses and validates keys JSON; throws an Error whose message lists every problem (never a hash). */
export function parseKeys(text: string, source: string): StoredKey[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new Error(`${source} is not valid JSON`);
  }
  const result = KeysFileSchema.safeParse(raw);
  if (!result.success) {
    throw new Error(`${source} is invalid: ${result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  }
  return result.data.keys;
}

/** A new random key and its id; the key is shown to its owner once and never stored. */
export function generateKey(): { id: string; key: string } {
  const id = randomBytes(6).toString('hex');
  return { id, key: `${KEY_PREFIX}${id}_${randomBytes(32).toString('base64url')}` };
}

/** The id inside a well-formed key, or null when the string is not one of our keys. */
export function keyId(key: string): string | null {
  return KEY_PATTERN.exec(key)?.[1] ?? null;
}

/** A salted scrypt hash of the whole key, with its parameters, as stored in the keys file. */
export async function hashKey(key: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await scrypt(key, salt, HASH_BYTES, SCRYPT);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

/** Whether `key` matches a stored hash; the final comparison takes the same time wherever the bytes differ. */
export async function verifyKey(key: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt') return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await scrypt(key, Buffer.from(salt, 'base64url'), expected.length, { N: Number(n), r: Number(r), p: Number(p) });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
