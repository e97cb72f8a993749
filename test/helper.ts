// Test helpers: the real app over a fixture repository (built once per process), with captured logs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { TestContext } from 'node:test';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp, type AppDeps } from '../src/app.js';
import type { BackendFactory } from '../src/inference/backend.js';
import { createOrtBackend } from '../src/inference/ort-backend.js';
import type { Tensor } from '../src/inference/tensor.js';
import { createConfig } from '../src/config/load.js';
import type { Config } from '../src/config/schema.js';
import { createLogger } from '../src/logging.js';
import { PACKAGE_ROOT } from '../src/version.js';
import { minted } from './helpers/credentials.js';
import { buildFixtureRepository } from './helpers/fixture-models.js';

export const DEFAULT_MODELS = join(PACKAGE_ROOT, 'models');

let fixtureDir: Promise<string> | undefined;

/** The fixture repository of test/helpers/fixture-models.ts, built once and removed at exit. */
export function fixtureRepository(): Promise<string> {
  fixtureDir ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'onnx-serve-fixtures-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    await buildFixtureRepository(dir);
    return dir;
  })();
  return fixtureDir;
}

/** Every log line the app wrote, parsed. */
export class LogCapture extends Writable {
  readonly lines: Record<string, unknown>[] = [];
  readonly raw: string[] = [];

  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line === '') continue;
      this.raw.push(line);
      this.lines.push(JSON.parse(line) as Record<string, unknown>);
    }
    done();
  }

  get text(): string {
    return this.raw.join('\n');
  }
}

export interface TestApp {
  app: FastifyInstance;
  logs: LogCapture;
}

/** Builds the real app on a repository (fixtures by default), loads it unless told not to, closes it after the test. */
export async function buildTestApp(
  t: TestContext,
  options: { config?: Partial<Config>; deps?: AppDeps; load?: boolean } = {},
): Promise<TestApp> {
  const models = options.config?.models ?? (await fixtureRepository());
  // NOTE: the load probe costs a child process per version (about a second from source); its own tests turn it on.
  const config = createConfig({ logLevel: 'info', loadProbe: false, accessLog: true, ...options.config, models });
  const logs = new LogCapture();
  const app = await buildApp(config, { logger: createLogger(config, logs), ...options.deps });
  t.after(async () => {
    await app.close();
    // NOTE: every test app, whatever it tests, proves that no credential minted by the tests reached its logs.
    const leaked = [...minted].filter((secret) => logs.text.includes(secret));
    if (leaked.length > 0) throw new Error(`${leaked.length} key(s), token(s) or secret(s) minted by the tests reached the logs`);
  });
  if (options.load !== false) await app.loadModels();
  return { app, logs };
}

/** Injects a request and parses a JSON body (undefined when the body is not JSON). */
export async function call(app: FastifyInstance, opts: InjectOptions): Promise<{ res: LightMyRequestResponse; body: any }> {
  const res = await app.inject(opts);
  let body: unknown;
  try {
    body = JSON.parse(res.body);
  } catch {
    body = undefined;
  }
  return { res, body };
}

/** A binary-extension request body: JSON header followed by the given buffers. */
export function binaryBody(header: unknown, buffers: Buffer[]): { payload: Buffer; headers: Record<string, string> } {
  const json = Buffer.from(JSON.stringify(header));
  return {
    payload: Buffer.concat([json, ...buffers]),
    headers: { 'inference-header-content-length': String(json.length), 'content-type': 'application/octet-stream' },
  };
}

/** Splits a binary-extension response into its JSON header and the raw output buffers, as tritonclient does. */
export function parseBinaryResponse(res: LightMyRequestResponse | { headers: Record<string, unknown>; rawPayload: Buffer }): { header: any; buffers: Record<string, Buffer> } {
  const length = Number(res.headers['inference-header-content-length']);
  const raw = res.rawPayload;
  const header = JSON.parse(raw.subarray(0, length).toString('utf8'));
  const buffers: Record<string, Buffer> = {};
  let offset = length;
  for (const o of header.outputs) {
    const size = o.parameters?.binary_data_size;
    if (size === undefined) continue;
    buffers[o.name] = raw.subarray(offset, offset + size);
    offset += size;
  }
  return { header, buffers };
}

type Run = () => Promise<Record<string, Tensor>>;

/** The real onnxruntime backend with `around` wrapped around every run, warm-up included. */
export function wrapBackend(around: (run: Run) => Promise<Record<string, Tensor>>): BackendFactory {
  return async (bytes, options) => {
    const inner = await createOrtBackend(bytes, options);
    return { signature: inner.signature, dispose: () => inner.dispose(), run: (i, o, opts) => around(() => inner.run(i, o, opts)) };
  };
}

/** The real backend, whose runs wait while a gate is held: `hold()` shuts it, `entered` resolves when a run arrives. */
export function gatedBackend() {
  let gate: Promise<void> | null = null;
  let onEnter: () => void = () => undefined;
  const createBackend = wrapBackend(async (run) => {
    if (gate !== null) {
      onEnter();
      await gate;
    }
    return run();
  });
  const hold = () => {
    let release!: () => void;
    gate = new Promise<void>((r) => (release = r));
    const entered = new Promise<void>((r) => (onEnter = r));
    return { entered, release: () => { gate = null; release(); } };
  };
  return { createBackend, hold };
}
