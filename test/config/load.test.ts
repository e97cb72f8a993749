// src/config/load.ts: settings come from flags > env > file > defaults, and every problem is reported at once.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ConfigError, createConfig, describeConfig, envName, flagName, loadConfig } from '../../src/config/load.js';
import { ConfigSchema } from '../../src/config/schema.js';

const scratch = mkdtempSync(join(tmpdir(), 'onnx-serve-config-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

let files = 0;
function configFile(text: string, ext = 'yaml'): string {
  const path = join(scratch, `config-${++files}.${ext}`);
  writeFileSync(path, text);
  return path;
}

const DEFAULTS = {
  host: '127.0.0.1',
  port: 8000,
  models: 'models',
  logLevel: 'info',
  logFormat: 'auto',
  accessLog: true,
  bodyLimitBytes: 64 * 1024 * 1024,
  backend: 'auto',
  workerThresholdMs: 1,
  intraOpThreads: 1,
  interOpThreads: 1,
  allowSpinning: false,
  maxBatchSize: 64,
  maxQueueDelayMs: 0,
  maxQueueSize: 1024,
  inferenceTimeoutMs: 30_000,
  warmup: true,
  warmupSeconds: 3,
  strictReadiness: false,
  metrics: true,
  monitoring: true,
  feedbackTtlSeconds: 86400,
  feedbackMaxRows: 100_000,
  docs: true,
  auth: false,
  jwtScopeClaim: 'scope',
  jwtClockSkewSeconds: 30,
  jwksCacheSeconds: 600,
  jwksTimeoutMs: 5000,
  metricsPublic: false,
  rateLimitPerSecond: 0,
  rateLimitBurst: 0,
  trustProxy: '',
  tlsClientAuth: 'handshake',
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 60_000,
  keepAliveTimeoutMs: 72_000,
  idleTimeoutMs: 120_000,
  corsOrigins: '',
  modelControl: 'poll',
  pollIntervalSeconds: 2,
  loadProbe: true,
  loadTimeoutSeconds: 120,
  drainTimeoutSeconds: 30,
  shutdownDelaySeconds: 0,
  requireManifest: false,
  requireSignatures: false,
};

/** The ConfigError's message, asserting that one was thrown. */
function configError(fn: () => unknown): string {
  let message = '';
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    message = err.message;
    return true;
  });
  return message;
}

describe('loadConfig', () => {
  test('no flags, env or file gives the defaults', () => {
    assert.deepEqual(loadConfig([], {}), DEFAULTS);
  });

  test('flags beat env, env beats the file, the file beats defaults', () => {
    const file = configFile('port: 1000\nlogLevel: debug\nhost: file-host\nwarmup: false\n');
    const env = { ONNX_SERVE_CONFIG: file, ONNX_SERVE_PORT: '2000', ONNX_SERVE_LOG_LEVEL: 'warn' };
    const config = loadConfig(['--port', '3000'], env);
    assert.equal(config.port, 3000);
    assert.equal(config.logLevel, 'warn');
    assert.equal(config.host, 'file-host');
    assert.equal(config.warmup, false);
    assert.equal(config.models, 'models');
    assert.equal(config.config, file);
  });

  test('the config file may be named by flag, which beats the env', () => {
    const fromFlag = configFile('port: 1111\n');
    const fromEnv = configFile('port: 2222\n');
    assert.equal(loadConfig(['--config', fromFlag], { ONNX_SERVE_CONFIG: fromEnv }).port, 1111);
  });

  test('a JSON config file is read too', () => {
    assert.equal(loadConfig(['--config', configFile('{"port": 4321, "metrics": false}', 'json')], {}).port, 4321);
  });

  test('an empty config file means the defaults', () => {
    assert.deepEqual(loadConfig(['--config', configFile('')], {}), { ...DEFAULTS, config: join(scratch, `config-${files}.yaml`) });
  });

  test('--flag=value and --flag value forms both work', () => {
    assert.equal(loadConfig(['--port=9001'], {}).port, 9001);
    assert.equal(loadConfig(['--port', '9002'], {}).port, 9002);
    assert.equal(loadConfig(['--log-level=debug', '--body-limit-bytes', '2048'], {}).bodyLimitBytes, 2048);
  });

  test('a value after = may contain = itself', () => {
    assert.equal(loadConfig(['--models=/tmp/a=b'], {}).models, '/tmp/a=b');
  });

  test('a bare boolean flag turns the setting on, at the end or before another flag', () => {
    assert.equal(loadConfig(['--strict-readiness'], {}).strictReadiness, true);
    const config = loadConfig(['--allow-spinning', '--port', '1'], {});
    assert.equal(config.allowSpinning, true);
    assert.equal(config.port, 1);
  });

  test('boolean flags and env vars accept explicit false', () => {
    assert.equal(loadConfig(['--metrics', 'false'], {}).metrics, false);
    assert.equal(loadConfig(['--docs=false'], {}).docs, false);
    assert.equal(loadConfig([], { ONNX_SERVE_WARMUP: 'false' }).warmup, false);
    assert.equal(loadConfig([], { ONNX_SERVE_STRICT_READINESS: '1' }).strictReadiness, true);
  });

  test('the last of a repeated flag wins', () => {
    assert.equal(loadConfig(['--port', '1', '--port', '2'], {}).port, 2);
  });

  test('empty env values and unrelated env vars are ignored', () => {
    assert.deepEqual(loadConfig([], { ONNX_SERVE_PORT: '', ONNX_SERVE_NOT_A_SETTING: 'x', PORT: '5' }), DEFAULTS);
  });

  test('an unknown flag is a ConfigError naming it', () => {
    assert.match(configError(() => loadConfig(['--prot', '8080'], {})), /unknown option '--prot'/);
    assert.match(configError(() => loadConfig(['-p'], {})), /unknown option '-p'/);
  });

  test('every invalid value is listed at once, with its flag and env names', () => {
    const message = configError(() => loadConfig(['--port', '70000', '--log-level', 'loud'], {}));
    assert.match(message, /--port \/ ONNX_SERVE_PORT/);
    assert.match(message, /--log-level \/ ONNX_SERVE_LOG_LEVEL/);
  });

  test('problems from flags, env and file are listed together', () => {
    const file = configFile('intraOpThreads: -1\n');
    const message = configError(() => loadConfig(['--port', 'abc', '--config', file], { ONNX_SERVE_LOG_FORMAT: 'xml' }));
    assert.match(message, /--port/);
    assert.match(message, /--log-format/);
    assert.match(message, /--intra-op-threads/);
  });

  test("a non-numeric port ('abc') is a ConfigError", () => {
    assert.match(configError(() => loadConfig([], { ONNX_SERVE_PORT: 'abc' })), /--port \/ ONNX_SERVE_PORT/);
  });

  test('a fractional port is a ConfigError', () => {
    assert.match(configError(() => loadConfig(['--port', '80.5'], {})), /--port/);
  });

  test("a boolean that is not a boolean ('maybe') is a ConfigError", () => {
    assert.match(configError(() => loadConfig(['--metrics', 'maybe'], {})), /--metrics/);
  });

  test('an unknown key in the config file is a ConfigError naming it', () => {
    assert.match(configError(() => loadConfig(['--config', configFile('prot: 1\n')], {})), /prot/);
  });

  test('a missing config file is a ConfigError naming the path', () => {
    const path = join(scratch, 'missing.yaml');
    assert.match(configError(() => loadConfig(['--config', path], {})), new RegExp(`Cannot read config file '${path}'`));
  });

  test('a config file that is not a mapping is a ConfigError', () => {
    assert.match(configError(() => loadConfig(['--config', configFile('- 1\n- 2\n')], {})), /must hold a mapping/);
    assert.match(configError(() => loadConfig(['--config', configFile('just text\n')], {})), /must hold a mapping/);
  });

  test('invalid YAML is a ConfigError', () => {
    assert.match(configError(() => loadConfig(['--config', configFile('port: [1\n')], {})), /Cannot read config file/);
  });
});

describe('createConfig', () => {
  test('no overrides gives the defaults', () => {
    assert.deepEqual(createConfig(), DEFAULTS);
  });

  test('overrides replace defaults and keep their types', () => {
    assert.deepEqual(createConfig({ port: 0, warmup: false }), { ...DEFAULTS, port: 0, warmup: false });
  });

  test('invalid overrides are a ConfigError listing each', () => {
    const message = configError(() => createConfig({ port: 70000, logLevel: 'loud' as never }));
    assert.match(message, /--port/);
    assert.match(message, /--log-level/);
  });

  test('unknown overrides are a ConfigError', () => {
    assert.match(configError(() => createConfig({ prot: 1 } as never)), /prot/);
  });
});

describe('names and help', () => {
  test('camelCase keys map to kebab-case flags and prefixed upper snake-case env vars', () => {
    assert.equal(flagName('bodyLimitBytes'), '--body-limit-bytes');
    assert.equal(envName('bodyLimitBytes'), 'ONNX_SERVE_BODY_LIMIT_BYTES');
    assert.equal(flagName('port'), '--port');
    assert.equal(envName('port'), 'ONNX_SERVE_PORT');
  });

  test('help text lists every setting with its flag, env var and description', () => {
    const help = describeConfig();
    for (const [key, field] of Object.entries(ConfigSchema.shape)) {
      assert.ok(help.includes(flagName(key)), key);
      assert.ok(help.includes(envName(key)), key);
      assert.ok(field.description && help.includes(field.description), `${key} has a description`);
    }
    assert.match(help, /--port {2}ONNX_SERVE_PORT\n.*\(default: 8000\)/);
  });
});

describe('security settings that only make sense together', () => {
  const SECRET = 's'.repeat(32);
  test('auth without any credential source, a short secret, a JWKS without issuer and one TLS file are all reported at once', () => {
    const message = configError(() => loadConfig(['--auth', '--tls-cert', 'server.crt', '--cors-origins', 'https://ok.example,https://bad.example/path'], {}));
    assert.match(message, /--auth \/ ONNX_SERVE_AUTH: auth is on but no credentials can be checked/);
    assert.match(message, /--tls-key \/ ONNX_SERVE_TLS_KEY: TLS needs both --tls-cert and --tls-key/);
    assert.match(message, /--cors-origins .*'https:\/\/bad\.example\/path' is not an origin/);
    const jwt = configError(() => loadConfig(['--jwt-secret', 'short', '--jwt-jwks', 'keys.json'], {}));
    assert.match(jwt, /--jwt-secret .*at least 32 bytes/);
    assert.match(jwt, /--jwt-audience .*audience must be checked/);
    assert.match(jwt, /--jwt-issuer .*set --jwt-issuer/);
    assert.match(configError(() => createConfig({ tlsClientCa: 'ca.crt' })), /mutual TLS needs TLS/);
    assert.match(configError(() => createConfig({ headersTimeoutMs: 5000, requestTimeoutMs: 1000 })), /headers timeout cannot exceed/);
  });

  test('a complete setup from the environment is accepted, secrets included', () => {
    const config = loadConfig(['--auth'], { ONNX_SERVE_JWT_SECRET: SECRET, ONNX_SERVE_JWT_AUDIENCE: 'onnx-serve', ONNX_SERVE_RATE_LIMIT_PER_SECOND: '2.5' });
    assert.equal(config.auth, true);
    assert.equal(config.jwtSecret, SECRET);
    assert.equal(config.rateLimitPerSecond, 2.5);
  });

  test('files named by security settings are checked when the app is built: a bad keys file stops startup', async () => {
    const { buildApp } = await import('../../src/app.js');
    const keys = configFile('{"keys": [{"id": "nope"}]}', 'json');
    await assert.rejects(buildApp(createConfig({ auth: true, apiKeysFile: keys, logLevel: 'silent' })), (err: Error) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /the API keys file '.*' is invalid: keys\.0\.id/);
      return true;
    });
    await assert.rejects(buildApp(createConfig({ auth: true, jwtJwks: join(scratch, 'missing.json'), jwtIssuer: 'i', jwtAudience: 'a', logLevel: 'silent' })), /cannot read the JWKS file/);
    await assert.rejects(buildApp(createConfig({ auth: true, jwtJwks: 'http://idp.example/jwks', jwtIssuer: 'i', jwtAudience: 'a', logLevel: 'silent' })), /must use https/);
  });
});
