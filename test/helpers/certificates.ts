// X.509 certificates made by the test with the openssl CLI (node:crypto can verify but not issue certificates): a CA, a server, clients.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scratchDir } from './credentials.js';

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function openssl(dir: string, args: string[]): void {
  try {
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('the TLS tests need the openssl command to make their certificates (apt-get install openssl)');
    throw err;
  }
}

/** A self-signed CA: `<name>.crt`, `<name>.key`. */
function makeCa(dir: string, name: string): void {
  openssl(dir, ['req', '-x509', ...EC, '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-subj', `/CN=${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
}

/** A leaf certificate `<name>.crt`/`.key` for `cn`, signed by the CA `ca`, with the given extensions. */
function makeLeaf(dir: string, ca: string, name: string, cn: string, extensions: string): void {
  openssl(dir, ['req', ...EC, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`]);
  writeFileSync(join(dir, `${name}.ext`), extensions);
  const serial = `0x${Date.now().toString(16)}${Math.floor(Math.random() * 1e6).toString(16)}`;
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-set_serial', serial, '-days', '2', '-out', `${name}.crt`, '-extfile', `${name}.ext`]);
}

export interface Certificates {
  dir: string;
  /** Paths. */
  caCert: string;
  serverCert: string;
  serverKey: string;
  /** A second server certificate from the same CA (for reload tests). */
  renewedCert: string;
  renewedKey: string;
  /** PEM contents, for clients. */
  ca: Buffer;
  client: { cert: Buffer; key: Buffer };
  /** A client certificate from a CA the server does not trust. */
  rogue: { cert: Buffer; key: Buffer };
}

let made: Certificates | undefined;

/** Made once per test process (a few openssl runs). */
export function certificates(): Certificates {
  if (made !== undefined) return made;
  const dir = scratchDir('certs');
  makeCa(dir, 'ca');
  makeCa(dir, 'rogue-ca');
  const server = 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n';
  makeLeaf(dir, 'ca', 'server', 'localhost', server);
  makeLeaf(dir, 'ca', 'renewed', 'renewed.localhost', server);
  makeLeaf(dir, 'ca', 'client', 'client-a', 'extendedKeyUsage=clientAuth\n');
  makeLeaf(dir, 'rogue-ca', 'rogue', 'mallory', 'extendedKeyUsage=clientAuth\n');
  const read = (f: string) => readFileSync(join(dir, f));
  made = {
    dir,
    caCert: join(dir, 'ca.crt'),
    serverCert: join(dir, 'server.crt'),
    serverKey: join(dir, 'server.key'),
    renewedCert: join(dir, 'renewed.crt'),
    renewedKey: join(dir, 'renewed.key'),
    ca: read('ca.crt'),
    client: { cert: read('client.crt'), key: read('client.key') },
    rogue: { cert: read('rogue.crt'), key: read('rogue.key') },
  };
  return made;
}
