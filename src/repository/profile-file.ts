// Reading, verifying and writing profile.json: the schema check plus a sha256 over its canonical JSON.
import { createHash } from 'node:crypto';
import { PROFILE_FORMAT, ProfileSchema, type Profile } from '../schemas/profile.js';

export type UnhashedProfile = Omit<Profile, 'hash' | 'format'>;

/** JSON with object keys sorted at every level, so the hash does not depend on key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function profileHash(profile: Omit<Profile, 'hash'>): string {
  const { hash: _ignored, ...rest } = profile as Profile;
  return createHash('sha256').update(canonicalJson(rest)).digest('hex');
}

/** The file's text: the profile with its format tag and hash, pretty-printed, ending in a newline. */
export function serializeProfile(profile: UnhashedProfile): string {
  const tagged = { format: PROFILE_FORMAT as typeof PROFILE_FORMAT, ...profile };
  return `${JSON.stringify({ ...tagged, hash: profileHash(tagged) }, null, 2)}\n`;
}

/** Parses and verifies a profile; throws with every schema problem, or when the hash does not match the content. */
export function parseProfile(text: string): Profile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Error(`profile.json is not valid JSON: ${(err as Error).message}`);
  }
  const result = ProfileSchema.safeParse(raw);
  if (!result.success) {
    const issues = result.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`profile.json is invalid: ${issues.join('; ')}`);
  }
  const expected = profileHash(raw as Profile);
  if (expected !== result.data.hash) throw new Error('profile.json hash does not match its content (edited by hand? rebuild it with onnx-serve profile)');
  return result.data;
}
