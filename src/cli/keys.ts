// `onnx-serve keys create|list|revoke`: API keys shown once, stored only as salted hashes in a keys file (or printed for the environment).
import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { isBuiltInScope, scopeProblem } from '../security/access.js';
import { generateKey, hashKey, KEY_NAME_PATTERN, parseKeys, type StoredKey } from '../security/api-keys.js';
import { SERVER_NAME } from '../version.js';
import type { Command } from './commands.js';

const USAGE = `Usage:
  ${SERVER_NAME} keys create --name NAME --scopes SCOPE[,SCOPE...] [--file keys.json] [--expires-days N]
  ${SERVER_NAME} keys list --file keys.json
  ${SERVER_NAME} keys revoke --name NAME --file keys.json

create prints the new key once, on stdout; only its salted scrypt hash is stored. With --file the key is
added to that file (created with mode 0600; the server re-reads it when it changes: --api-keys-file).
Without --file the entry to put in ONNX_SERVE_API_KEYS is printed on stderr.

Scopes: infer:<model> or infer:*, read:<model> or read:*, metrics:read, admin; any other scope grants
what a model.yaml's "scopes" declares.
`;

const fail = (message: string): number => {
  process.stderr.write(`${message}\n\n${USAGE}`);
  return 2;
};

function readKeys(file: string): StoredKey[] {
  return existsSync(file) ? parseKeys(readFileSync(file, 'utf8'), `'${file}'`) : [];
}

/** NOTE: written to a temporary file and renamed, so the server never reads half a file. */
function writeKeys(file: string, keys: StoredKey[]): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify({ keys }, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

async function create(values: Record<string, string | undefined>): Promise<number> {
  const name = values.name ?? '';
  if (!KEY_NAME_PATTERN.test(name)) return fail('--name is required: letters, digits and _ . @ - (max 64)');
  const scopes = [...new Set((values.scopes ?? '').split(',').map((s) => s.trim()).filter((s) => s !== ''))];
  if (scopes.length === 0) return fail('--scopes is required, e.g. --scopes infer:iris,read:iris');
  const problems = scopes.map(scopeProblem).filter((p): p is string => p !== null);
  if (problems.length > 0) return fail(problems.join('\n'));
  let expires: string | undefined;
  if (values['expires-days'] !== undefined) {
    const days = Number(values['expires-days']);
    if (!Number.isInteger(days) || days < 1 || days > 36_500) return fail('--expires-days must be a whole number of days (1-36500)');
    expires = new Date(Date.now() + days * 86_400_000).toISOString();
  }
  const existing = values.file === undefined ? [] : readKeys(values.file);
  if (existing.some((k) => k.name === name)) return fail(`a key named '${name}' already exists in ${values.file}; revoke it first or pick another name`);
  const { id, key } = generateKey();
  const entry: StoredKey = { id, name, scopes, hash: await hashKey(key), created: new Date().toISOString(), ...(expires ? { expires } : {}) };
  for (const scope of scopes.filter((s) => !isBuiltInScope(s))) {
    process.stderr.write(`note: '${scope}' is not a built-in scope; it grants only what a model.yaml "scopes" entry names\n`);
  }
  if (values.file !== undefined) {
    writeKeys(values.file, [...existing, entry]);
    process.stderr.write(`added key '${name}' (id ${id}) to ${values.file}; the key below is shown only now:\n`);
  } else {
    process.stderr.write(`key '${name}' (id ${id}); add this entry to ONNX_SERVE_API_KEYS ({"keys": [...]}):\n${JSON.stringify(entry)}\nthe key below is shown only now:\n`);
  }
  process.stdout.write(`${key}\n`);
  return 0;
}

export const keysCommand: Command = {
  summary: 'create, list or revoke API keys (stored only as salted hashes)',
  async run(args) {
    const [action, ...rest] = args;
    if (action === undefined || action === '--help' || action === '-h') {
      process.stdout.write(USAGE);
      return action === undefined ? 2 : 0;
    }
    let values: Record<string, string | undefined>;
    try {
      values = parseArgs({ args: rest, options: { name: { type: 'string' }, scopes: { type: 'string' }, file: { type: 'string' }, 'expires-days': { type: 'string' } } }).values;
    } catch (err) {
      return fail((err as Error).message);
    }
    try {
      if (action === 'create') return await create(values);
      if (values.file === undefined) return fail(`keys ${action} needs --file`);
      const keys = readKeys(values.file);
      if (action === 'list') {
        for (const k of keys) process.stdout.write(`${k.name}\t${k.id}\t${k.scopes.join(',')}\t${k.expires ? `expires ${k.expires}` : 'no expiry'}\n`);
        return 0;
      }
      if (action === 'revoke') {
        if (!keys.some((k) => k.name === values.name)) return fail(`no key named '${values.name ?? ''}' in ${values.file}`);
        writeKeys(values.file, keys.filter((k) => k.name !== values.name));
        process.stderr.write(`revoked key '${values.name}'; a server reading ${values.file} stops accepting it within seconds\n`);
        return 0;
      }
      return fail(`unknown action '${action}'`);
    } catch (err) {
      process.stderr.write(`${(err as Error).message}\n`);
      return 1;
    }
  },
};
