// `onnx-serve keygen`: an Ed25519 key pair for signing manifests, or an AES-256 key for encrypting models.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { generateModelKey, modelKeyId } from '../repository/encryption.js';
import { generateSigningKeyPair } from '../repository/signing.js';
import { SERVER_NAME } from '../version.js';
import type { Command } from './commands.js';

const USAGE = `Usage: ${SERVER_NAME} keygen --signing PREFIX | --encryption FILE

  --signing PREFIX     write an Ed25519 key pair: PREFIX.key (private, mode 0600; keep it with whoever
                       signs) and PREFIX.pub (public; give it to the server with --trusted-keys)
  --encryption FILE    write a random AES-256 key as 64 hex characters (mode 0600), for
                       ${SERVER_NAME} pack --encrypt-key-file and the server's --model-key-file

Existing files are never overwritten.
`;

export const keygenCommand: Command = {
  summary: 'make a signing key pair or a model encryption key',
  async run(args) {
    const { values } = parseArgs({ args, options: { signing: { type: 'string' }, encryption: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
    if (values.help || (values.signing === undefined) === (values.encryption === undefined)) {
      (values.help ? process.stdout : process.stderr).write(USAGE);
      return values.help ? 0 : 2;
    }
    try {
      write(values.signing, values.encryption);
    } catch (err) {
      process.stderr.write(`keygen: ${(err as Error).message}\n`);
      return 1;
    }
    return 0;
  },
};

function write(signing: string | undefined, encryption: string | undefined): void {
  // NOTE: flag 'wx' refuses to overwrite: losing a key silently would orphan every artifact made with it.
  if (signing !== undefined) {
    const pair = generateSigningKeyPair();
    writeFileSync(`${signing}.key`, pair.privatePem, { mode: 0o600, flag: 'wx' });
    writeFileSync(`${signing}.pub`, pair.publicPem, { mode: 0o644, flag: 'wx' });
    process.stdout.write(`wrote ${signing}.key and ${signing}.pub (key id ${pair.keyId})\n`);
  } else {
    const key = generateModelKey();
    writeFileSync(encryption!, `${key.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    process.stdout.write(`wrote ${encryption} (key id ${modelKeyId(key)})\n`);
  }
}
