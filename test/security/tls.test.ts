// TLS and mutual TLS on a real listening server, with certificates the test makes with openssl (test/helpers/certificates.ts).
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TLSSocket } from 'node:tls';
import { createConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { createLogger } from '../../src/logging.js';
import { startServer } from '../../src/server.js';
import { DEFAULT_MODELS, LogCapture } from '../helper.js';
import { certificates } from '../helpers/certificates.js';
import { scratchDir } from '../helpers/credentials.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  peer: string;
}

/** One HTTPS GET over a fresh connection; rejects on any TLS or connection error. */
function get(url: string, tls: { ca?: Buffer; cert?: Buffer; key?: Buffer } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, ...tls }, (res) => {
      const peer = String((res.socket as TLSSocket).getPeerCertificate().subject?.CN ?? '');
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, peer }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function tlsServer(t: TestContext, overrides: Partial<Config>) {
  const logs = new LogCapture();
  // NOTE: no request-path warm-up unless a test asks for it (3 s per start); the last test here runs it over TLS.
  const config = createConfig({ port: 0, models: DEFAULT_MODELS, logLevel: 'info', warmupSeconds: 0, tlsCert: certificates().serverCert, tlsKey: certificates().serverKey, ...overrides });
  const server = await startServer(config, { logger: createLogger(config, logs) });
  t.after(() => server.close());
  return { server, logs };
}

describe('TLS', () => {
  test('serves HTTPS with the configured certificate, sends HSTS, and refuses plain HTTP', async (t) => {
    const { ca } = certificates();
    const { server } = await tlsServer(t, {});
    assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const res = await get(`${server.url}/v2/health/ready`, { ca });
    assert.equal(res.status, 200);
    assert.equal(res.peer, 'localhost');
    assert.equal(res.headers['strict-transport-security'], 'max-age=31536000');
    await assert.rejects(fetch(`${server.url.replace('https', 'http')}/v2/health/ready`), 'plain HTTP gets no answer');
    await assert.rejects(get(`${server.url}/v2/health/ready`), /unable to verify the first certificate/, 'a client that does not trust the CA refuses');
  });

  test('a missing or unreadable certificate stops startup with a message naming the file', async () => {
    const missing = join(certificates().dir, 'nope.crt');
    await assert.rejects(startServer(createConfig({ port: 0, models: DEFAULT_MODELS, logLevel: 'silent', tlsCert: missing, tlsKey: certificates().serverKey })), (err: Error) => {
      assert.match(err.message, /cannot read the TLS certificate '.*nope\.crt': ENOENT/);
      return true;
    });
    await assert.rejects(startServer(createConfig({ port: 0, models: DEFAULT_MODELS, logLevel: 'silent', tlsCert: certificates().serverCert, tlsKey: join(certificates().dir, 'server.ext') })), /cannot read the TLS key .*not PEM/);
  });

  test('picks up a renewed certificate without a restart', async (t) => {
    const certs = certificates();
    const dir = scratchDir('tls-reload');
    copyFileSync(certs.serverCert, join(dir, 'tls.crt'));
    copyFileSync(certs.serverKey, join(dir, 'tls.key'));
    const { server, logs } = await tlsServer(t, { tlsCert: join(dir, 'tls.crt'), tlsKey: join(dir, 'tls.key') });
    assert.equal((await get(`${server.url}/v2/health/live`, { ca: certs.ca })).peer, 'localhost');
    copyFileSync(certs.renewedKey, join(dir, 'tls.key'));
    copyFileSync(certs.renewedCert, join(dir, 'tls.crt'));
    let peer = '';
    for (let i = 0; i < 100 && peer !== 'renewed.localhost'; i++) {
      await sleep(200);
      peer = (await get(`${server.url}/v2/health/live`, { ca: certs.ca })).peer;
    }
    assert.equal(peer, 'renewed.localhost');
    assert.ok(logs.lines.some((l) => l.event === 'tls.reloaded'));
  });
});

describe('mutual TLS', () => {
  test('handshake mode: only clients with a certificate from the client CA connect at all', async (t) => {
    const certs = certificates();
    const { server } = await tlsServer(t, { tlsClientCa: certs.caCert });
    const res = await get(`${server.url}/v2/models/iris`, { ca: certs.ca, ...certs.client });
    assert.equal(res.status, 200);
    await assert.rejects(get(`${server.url}/v2/health/live`, { ca: certs.ca }), 'no client certificate');
    await assert.rejects(get(`${server.url}/v2/health/live`, { ca: certs.ca, ...certs.rogue }), 'a certificate from another CA');
  });

  test('routes mode: probes connect without a certificate, every other route needs a trusted one', async (t) => {
    const certs = certificates();
    const { server, logs } = await tlsServer(t, { tlsClientCa: certs.caCert, tlsClientAuth: 'routes' });
    assert.equal((await get(`${server.url}/v2/health/ready`, { ca: certs.ca })).status, 200);
    const bare = await get(`${server.url}/v2/models/iris`, { ca: certs.ca });
    assert.equal(bare.status, 401);
    assert.deepEqual(JSON.parse(bare.body), { error: 'this route needs a client certificate signed by the configured CA' });
    assert.equal((await get(`${server.url}/v2/models/iris`, { ca: certs.ca, ...certs.rogue })).status, 401);
    assert.equal((await get(`${server.url}/v2/models/iris`, { ca: certs.ca, ...certs.client })).status, 200);
    const failures = logs.lines.filter((l) => l.event === 'auth.failure');
    assert.deepEqual(failures.map((l) => [l.reason, l.claimed]), [['no-certificate', undefined], ['untrusted-certificate', 'mallory']]);
  });

  test('with auth on too, the audit log names both the principal and the client certificate', async (t) => {
    const certs = certificates();
    const { server, logs } = await tlsServer(t, { tlsClientCa: certs.caCert, auth: true, jwtSecret: 'x'.repeat(32), jwtAudience: 'onnx-serve' });
    assert.equal((await get(`${server.url}/v2/models/iris`, { ca: certs.ca, ...certs.client })).status, 401);
    const failure = logs.lines.find((l) => l.event === 'auth.failure');
    assert.equal(failure?.tlsClient, 'client-a');
    assert.equal(failure?.principal, 'anonymous');
  });

  test('the request-path warm-up runs over HTTPS and past mutual TLS on routes; at the handshake it is skipped', async (t) => {
    const certs = certificates();
    const warmedUp = (logs: LogCapture) => logs.lines.find((l) => l.msg === 'request path warmed up') as { requests: number; statuses: Record<string, number> } | undefined;
    for (const overrides of [{}, { tlsClientCa: certs.caCert, tlsClientAuth: 'routes' as const }]) {
      const { logs } = await tlsServer(t, { ...overrides, warmupSeconds: 0.5 });
      const line = warmedUp(logs);
      assert.ok(line !== undefined && line.requests > 0, logs.text);
      assert.deepEqual(Object.keys(line.statuses), ['200'], JSON.stringify(overrides));
    }
    const { logs } = await tlsServer(t, { tlsClientCa: certs.caCert, warmupSeconds: 0.5 });
    assert.equal(warmedUp(logs), undefined);
    assert.match(String(logs.lines.find((l) => l.msg === 'request path warm-up skipped')?.reason), /mutual TLS/);
  });
});
