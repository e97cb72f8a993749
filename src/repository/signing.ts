// Ed25519 signatures over manifest.json: key pairs, key ids, signing (pack) and checking against trusted keys.
import { createHash, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ArtifactError } from './artifact-error.js';

/** Files a trusted-keys directory contributes; anything else there is ignored. */
const KEY_FILE = /\.(pub|pem)$/;

const SignatureSchema = z.object({ algorithm: z.literal('ed25519'), keyId: z.string().regex(/^[0-9a-f]{16}$/), signature: z.base64() }).strict();

/** Public keys by key id. */
export type TrustedKeys = ReadonlyMap<string, KeyObject>;

/** 16 hex chars of the SHA-256 of the public key (SPKI DER): names a key in logs without revealing anything. */
export const keyId = (publicKey: KeyObject): string =>
  createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);

export function generateSigningKeyPair(): { privatePem: string; publicPem: string; keyId: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }) as string,
    keyId: keyId(publicKey),
  };
}

function parsePublicKey(pem: string, source: string): KeyObject {
  if (/PRIVATE KEY/.test(pem)) throw new Error(`${source} holds a private key; trust the public key (.pub) and keep the private one with whoever signs`);
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (err) {
    throw new Error(`${source} is not a PEM public key: ${(err as Error).message}`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${source} is a ${key.asymmetricKeyType} key; manifests are signed with Ed25519`);
  return key;
}

/** Reads one PEM file, or every *.pub / *.pem file of a directory. Throws (at startup) on anything unusable. */
export function loadTrustedKeys(path: string): TrustedKeys {
  const files = statSync(path).isDirectory()
    ? readdirSync(path).filter((f) => KEY_FILE.test(f)).sort().map((f) => join(path, f))
    : [path];
  const keys = new Map<string, KeyObject>();
  for (const file of files) {
    const key = parsePublicKey(readFileSync(file, 'utf8'), file);
    keys.set(keyId(key), key);
  }
  if (keys.size === 0) throw new Error(`no public keys (*.pub, *.pem) in ${path}`);
  return keys;
}

/** manifest.sig for the manifest's exact bytes. */
export function signManifest(manifestBytes: Uint8Array, privatePem: string): string {
  const publicKey = createPublicKey(privatePem);
  if (publicKey.asymmetricKeyType !== 'ed25519') throw new Error(`the signing key is ${publicKey.asymmetricKeyType}, not Ed25519`);
  const signature = sign(null, manifestBytes, privatePem).toString('base64');
  return `${JSON.stringify({ algorithm: 'ed25519', keyId: keyId(publicKey), signature })}\n`;
}

/** Checks manifest.sig against the trusted keys; returns the id of the key that signed. */
export function verifyManifestSignature(manifestBytes: Uint8Array, sigBytes: Uint8Array, trusted: TrustedKeys): string {
  let parsed: z.infer<typeof SignatureSchema>;
  try {
    parsed = SignatureSchema.parse(JSON.parse(Buffer.from(sigBytes).toString('utf8')));
  } catch {
    throw new ArtifactError('signature', 'manifest.sig is not a signature written by onnx-serve pack');
  }
  const key = trusted.get(parsed.keyId);
  if (key === undefined) throw new ArtifactError('signature', `manifest is signed by key ${parsed.keyId}, which is not trusted`);
  if (!verify(null, manifestBytes, key, Buffer.from(parsed.signature, 'base64'))) {
    throw new ArtifactError('signature', `manifest signature by key ${parsed.keyId} does not verify (manifest or signature altered)`);
  }
  return parsed.keyId;
}
