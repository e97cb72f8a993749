// `onnx-serve pack <version-dir>`: write manifest.json, optionally encrypt model.onnx and sign the manifest.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseModelKey } from '../repository/encryption.js';
import { packVersion } from '../repository/pack.js';
import { SERVER_NAME } from '../version.js';
import type { Command } from './commands.js';

const USAGE = `Usage: ${SERVER_NAME} pack <version-dir> [options]

Protects one model version directory (e.g. models/iris/3): writes manifest.json with the SHA-256 and size of
every file, and optionally encrypts model.onnx (AES-256-GCM, into model.onnx.enc; the plaintext is removed
when packing in place) and signs the manifest (Ed25519, manifest.sig). Pack in a staging directory, then move
the version into the repository: the server takes it as soon as the manifest is complete.

Options:
  --sign KEY_FILE            Ed25519 private key (PEM) to sign with (${SERVER_NAME} keygen --signing makes one)
  --encrypt-key-file FILE    AES-256 key (64 hex chars or base64) to encrypt model.onnx with
  --out DIR                  write the packed version to DIR (new or empty) and leave <version-dir> as it is
  --model NAME               pin the manifest to this model name
  --model-version N          pin the manifest to this version number
`;

export const packCommand: Command = {
  summary: 'write a manifest for a version directory, encrypt and sign it',
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        sign: { type: 'string' },
        'encrypt-key-file': { type: 'string' },
        out: { type: 'string' },
        model: { type: 'string' },
        'model-version': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    if (positionals.length !== 1) {
      process.stderr.write(`pack takes exactly one version directory\n\n${USAGE}`);
      return 2;
    }
    const version = values['model-version'] === undefined ? undefined : Number(values['model-version']);
    if (version !== undefined && !(Number.isInteger(version) && version >= 1)) {
      process.stderr.write('--model-version must be a positive integer\n');
      return 2;
    }
    let result;
    try {
      result = await packVersion(positionals[0], {
        out: values.out,
        signingKeyPem: values.sign === undefined ? undefined : readFileSync(values.sign, 'utf8'),
        encryptionKey: values['encrypt-key-file'] === undefined ? undefined : parseModelKey(readFileSync(values['encrypt-key-file'])),
        model: values.model,
        version,
      });
    } catch (err) {
      process.stderr.write(`pack: ${(err as Error).message}\n`);
      return 1;
    }
    const files = Object.keys(result.manifest.files).join(', ');
    process.stdout.write(`packed ${result.dir}: ${files}${result.encrypted ? '; encrypted' : ''}${result.signed ? '; signed' : ''}\n`);
    return 0;
  },
};
