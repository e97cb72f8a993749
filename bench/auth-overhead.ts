// What authentication costs per request: iris inference over loopback with auth off vs API key, HS256, RS256 and ES256 tokens, in one run.
// Usage: npx tsx bench/auth-overhead.ts [--requests N] [--concurrency C]
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { createConfig } from '../src/config/load.js';
import type { Config } from '../src/config/schema.js';
import pino from 'pino';
import { generateKey, hashKey, verifyKey } from '../src/security/api-keys.js';
import { createAuthenticator } from '../src/security/authenticator.js';
import { startServer } from '../src/server.js';
import { PACKAGE_ROOT } from '../src/version.js';
import { claims, ecKey, jwks, makeKeys, rsaKey, scratchDir, signJwt, type SigningKey } from '../test/helpers/credentials.js';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '4000' }, concurrency: { type: 'string', default: '8' } } });
const REQUESTS = Number(values.requests);
const CONCURRENCY = Number(values.concurrency);
const BODY = JSON.stringify({ inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 4], data: [5.1, 3.5, 1.4, 0.2] }] });

/** Closed-loop load: CONCURRENCY workers, each sending its next request when the last one answers. */
async function load(url: string, headers: Record<string, string>): Promise<{ rps: number; p50: number; p99: number }> {
  const latencies: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next++ < REQUESTS) {
      const t0 = performance.now();
      const res = await fetch(url, { method: 'POST', body: BODY, headers });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`status ${res.status}`);
      latencies.push(performance.now() - t0);
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return { rps: latencies.length / seconds, p50: latencies[Math.floor(latencies.length * 0.5)], p99: latencies[Math.floor(latencies.length * 0.99)] };
}

const dir = scratchDir('bench-auth');
const rsa = rsaKey('r1');
const ec = ecKey('e1');
const hs: SigningKey = { alg: 'HS256', secret: 'bench-secret-0123456789abcdef0123456789' };
writeFileSync(join(dir, 'jwks.json'), JSON.stringify(jwks(rsa, ec)));
const { entries, keys } = await makeKeys([{ name: 'bench', scopes: ['infer:iris'] }]);
const secured: Partial<Config> = {
  auth: true,
  apiKeys: JSON.stringify(entries),
  jwtSecret: hs.alg === 'HS256' ? hs.secret : '',
  jwtJwks: join(dir, 'jwks.json'),
  jwtIssuer: 'https://issuer.test',
  jwtAudience: 'onnx-serve',
};
const modes: [string, Partial<Config>, Record<string, string>][] = [
  ['auth off', {}, {}],
  ['API key (cached after the first)', secured, { 'x-api-key': keys.bench }],
  ['JWT HS256', secured, { authorization: `Bearer ${signJwt(hs, claims({ scope: 'infer:iris' }))}` }],
  ['JWT RS256 (2048-bit)', secured, { authorization: `Bearer ${signJwt(rsa, claims({ scope: 'infer:iris' }))}` }],
  ['JWT ES256', secured, { authorization: `Bearer ${signJwt(ec, claims({ scope: 'infer:iris' }))}` }],
];

const ROUNDS = 3;
console.log(`iris /v2 infer over loopback, ${REQUESTS} requests per mode and round, ${CONCURRENCY} concurrent (closed loop), ${ROUNDS} interleaved rounds, median shown`);
const servers = await Promise.all(modes.map(([, extra]) => startServer(createConfig({ port: 0, models: join(PACKAGE_ROOT, 'models'), logLevel: 'silent', ...extra }))));
try {
  const results: { rps: number; p50: number; p99: number }[][] = modes.map(() => []);
  for (const [i, [, , headers]] of modes.entries()) await load(`${servers[i].url}/v2/models/iris/infer`, headers); // NOTE: warm-up (JIT, pools, key cache)
  // NOTE: rounds interleave the modes so a noisy neighbour slows them all alike.
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, [, , headers]] of modes.entries()) results[i].push(await load(`${servers[i].url}/v2/models/iris/infer`, headers));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const baseline = median(results[0].map((r) => r.rps));
  for (const [i, [name]] of modes.entries()) {
    const rps = median(results[i].map((r) => r.rps));
    const p50 = median(results[i].map((r) => r.p50));
    const p99 = median(results[i].map((r) => r.p99));
    console.log(`${name.padEnd(34)} ${rps.toFixed(0).padStart(6)} req/s  p50 ${p50.toFixed(2)} ms  p99 ${p99.toFixed(2)} ms  (${((rps / baseline) * 100).toFixed(1)}% of auth off)`);
  }
} finally {
  await Promise.all(servers.map((s) => s.close()));
}

// NOTE: the check alone, in process: steadier than the end-to-end figures on a shared machine.
const authenticator = createAuthenticator(createConfig({ models: 'models', ...secured }), pino({ level: 'silent' }));
for (const [name, , headers] of modes.slice(1)) {
  for (let i = 0; i < 200; i++) await authenticator.authenticate(headers);
  const checks = 5000;
  const t0 = performance.now();
  for (let i = 0; i < checks; i++) await authenticator.authenticate(headers);
  console.log(`authenticate() with ${name.padEnd(34)} ${(((performance.now() - t0) / checks) * 1000).toFixed(1).padStart(7)} µs per request`);
}
// NOTE: distinct tokens (a jti each) miss the verified-token cache: the cost of a token seen for the first time.
for (const key of [hs, rsa, ec]) {
  const tokens = Array.from({ length: 2000 }, (_, i) => ({ authorization: `Bearer ${signJwt(key, claims({ scope: 'infer:iris', jti: `t${i}` }))}` }));
  const t0 = performance.now();
  for (const headers of tokens) await authenticator.authenticate(headers);
  console.log(`authenticate() with a new ${key.alg} token${' '.repeat(17)} ${(((performance.now() - t0) / tokens.length) * 1000).toFixed(1).padStart(7)} µs per request`);
}
authenticator.close();

const { key } = generateKey();
const hash = await hashKey(key);
const t0 = performance.now();
for (let i = 0; i < 20; i++) await verifyKey(key, hash);
console.log(`uncached API key check (one scrypt N=16384 r=8 p=1): ${((performance.now() - t0) / 20).toFixed(1)} ms`);
