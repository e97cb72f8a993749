// AES-256-GCM encryption of model files at rest (model.onnx.enc); decryption happens in memory only.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { ArtifactError } from './artifact-error.js';

export const ENCRYPTED_MODEL_FILE = 'model.onnx.enc';

/**
 * Layout: MAGIC (8) | key id (8) | IV (12) | ciphertext | GCM tag (16). The header is authenticated as
 * additional data, so neither the key id nor the IV can be swapped without failing authentication.
 */
const MAGIC = Buffer.from('OSENC1\0\0', 'latin1');
const KEY_ID_BYTES = 8;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = MAGIC.length + KEY_ID_BYTES + IV_BYTES;

/** A 32-byte key from text: 64 hex characters or base64 (whitespace around it ignored), or the raw 32 bytes of a file. */
export function parseModelKey(input: string | Uint8Array): Buffer {
  if (typeof input !== 'string' && input.byteLength === 32) return Buffer.from(input);
  const text = (typeof input === 'string' ? input : Buffer.from(input).toString('utf8')).trim();
  const bytes = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, 'hex') : /^[A-Za-z0-9+/]{43}=?$/.test(text) ? Buffer.from(text, 'base64') : null;
  if (bytes === null || bytes.length !== 32) throw new Error('the model key must be 32 bytes, written as 64 hex characters or base64');
  return bytes;
}

/** 16 hex chars naming a key (a hash prefix: it reveals nothing about the key), so "wrong key" can be told apart from "corrupted". */
export const modelKeyId = (key: Uint8Array): string => createHash('sha256').update(key).digest().subarray(0, KEY_ID_BYTES).toString('hex');

export const generateModelKey = (): Buffer => randomBytes(32);

export function encryptModel(plaintext: Uint8Array, key: Uint8Array): Buffer {
  const iv = randomBytes(IV_BYTES);
  const header = Buffer.concat([MAGIC, Buffer.from(modelKeyId(key), 'hex'), iv]);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(header);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([header, body, cipher.getAuthTag()]);
}

/** The plaintext of model.onnx.enc; refuses (kind 'decryption') without a key, with another key, or when authentication fails. */
export function decryptModel(blob: Uint8Array, key: Uint8Array | null): Buffer {
  const data = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  if (data.length < HEADER_BYTES + TAG_BYTES || !data.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new ArtifactError('decryption', `${ENCRYPTED_MODEL_FILE} is not a file written by onnx-serve pack --encrypt-key-file`);
  }
  if (key === null) {
    throw new ArtifactError('decryption', `${ENCRYPTED_MODEL_FILE} is encrypted and no key is configured (--model-key-file or ONNX_SERVE_MODEL_KEY)`);
  }
  const fileKeyId = data.subarray(MAGIC.length, MAGIC.length + KEY_ID_BYTES).toString('hex');
  if (fileKeyId !== modelKeyId(key)) {
    throw new ArtifactError('decryption', `${ENCRYPTED_MODEL_FILE} was encrypted with key ${fileKeyId}; the configured key is ${modelKeyId(key)}`);
  }
  const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(MAGIC.length + KEY_ID_BYTES, HEADER_BYTES));
  decipher.setAAD(data.subarray(0, HEADER_BYTES));
  decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
  // NOTE: GCM's final() adds no bytes, so update()'s buffer is the whole plaintext: one copy in memory, not two.
  const plaintext = decipher.update(data.subarray(HEADER_BYTES, data.length - TAG_BYTES));
  try {
    decipher.final();
  } catch {
    plaintext.fill(0);
    throw new ArtifactError('decryption', `${ENCRYPTED_MODEL_FILE} fails authentication (corrupted or tampered)`);
  }
  return plaintext;
}
