// The one schema for every server setting: defaults, one-line docs, types (z.infer) and validation.
import { z } from 'zod';

const bool = z.union([z.boolean(), z.stringbool()]);
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const optionalString = z.string().min(1).optional();
const seconds = (min: number, max: number) => z.coerce.number().min(min).max(max);

/**
 * Every field has a default and a description; `describe()` text feeds `--help` and the README table.
 * Names map to flags (`--log-level`) and environment variables (`ONNX_SERVE_LOG_LEVEL`).
 */
const ConfigFields = z.object({
  config: z.string().optional().describe('Path of a YAML or JSON file with any of these settings (flags and env win)'),
  host: z.string().min(1).default('127.0.0.1').describe('Interface to listen on (the Docker image sets 0.0.0.0)'),
  port: int(0, 65535).default(8000).describe('HTTP port (0 picks a free one)'),
  models: z.string().min(1).default('models').describe('Model repository directory (NAME/VERSION/model.onnx inside)'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('Minimum log level'),
  logFormat: z.enum(['json', 'pretty', 'auto']).default('auto').describe('Log output: json lines, pretty, or pretty only on a terminal'),
  accessLog: bool.default(true).describe('Log every request at info (one JSON line); with false only failed ones (4xx/5xx, client gone) are logged, which saves CPU at high request rates (see README: Logs)'),
  bodyLimitBytes: int(1024, 2 ** 31 - 1).default(64 * 1024 * 1024).describe('Largest accepted request body (after decompression); larger gets 413'),
  backend: z.enum(['auto', 'inprocess', 'worker', 'process']).default('auto')
    .describe('Where sessions run: on the event loop, one worker thread or one child process per model version (isolates crashes, returns all memory on unload), or auto (a worker only when a batch-1 run takes --worker-threshold-ms or more)'),
  workerThresholdMs: z.coerce.number().min(0).max(60_000).default(1).describe('Backend auto: models whose batch-1 run takes at least this long get a worker thread'),
  intraOpThreads: int(0, 256).default(1).describe('onnxruntime intra-op threads per model version (0 = one per core)'),
  interOpThreads: int(0, 256).default(1).describe('onnxruntime inter-op threads per model version'),
  allowSpinning: bool.default(false).describe('Let idle onnxruntime threads spin (burns CPU between requests)'),
  maxBatchSize: int(1, 4096).default(64).describe('Most rows merged into one run for models whose first dimension is dynamic (1 = no merging); model.yaml batching wins'),
  maxQueueDelayMs: z.coerce.number().min(0).max(10_000).default(0).describe('How long a batch may wait for more requests (0: only what arrived while the previous run was busy)'),
  maxQueueSize: int(1, 1_000_000).default(1024).describe('Requests that may wait per model version; more get 503 with Retry-After'),
  inferenceTimeoutMs: z.coerce.number().min(1).max(3_600_000).default(30_000).describe('Longest an inference may wait in its queue and run before it gets 504; a shorter protocol timeout wins'),
  warmup: bool.default(true).describe('Run each model version once before it reports ready'),
  warmupSeconds: seconds(0, 600).default(3)
    .describe("After the startup load and before readiness, send this many seconds of inference requests to every model over the server's own port (from a child process; left out of metrics, monitoring, logs and limits), so a new replica's first traffic meets a warm request path; 0 turns it off, as does --warmup false"),
  strictReadiness: bool.default(false).describe('Report not ready while any model version failed to load'),
  metrics: bool.default(true).describe('Serve Prometheus metrics at /metrics'),
  monitoring: bool.default(true).describe('Watch drift (models with a profile.json) and accept ground-truth feedback; off costs nothing per request'),
  feedbackTtlSeconds: int(1, 30 * 86400).default(86400).describe('How long a prediction waits for its feedback before its id reads "expired"'),
  feedbackMaxRows: int(1, 10_000_000).default(100_000).describe('Most predicted rows kept for feedback, all models together (≈80 bytes each, whatever the id); oldest dropped first'),
  docs: bool.default(true).describe('Serve the OpenAPI document and Swagger UI at /docs'),
  // Security (src/security/): authentication, authorization, rate limits, TLS, timeouts, CORS.
  auth: bool.default(false).describe('Require an API key or JWT on every route except health, /v2 and /docs (off: every route is open to anyone who can connect)'),
  apiKeysFile: optionalString.describe('JSON file of API keys as written by `onnx-serve keys create` (salted hashes only); re-read when it changes'),
  apiKeys: optionalString.describe('API keys as JSON, the same format as --api-keys-file (salted hashes only), e.g. from a secret in the environment'),
  jwtSecret: optionalString.describe('Shared secret for HS256 JWTs (at least 32 bytes; prefer the environment variable)'),
  jwtJwks: optionalString.describe('JWKS for RS256/ES256 JWTs: a file path or an https:// URL (fetched with a timeout, cached)'),
  jwtIssuer: optionalString.describe('Required `iss` of JWTs (required with --jwt-jwks)'),
  jwtAudience: optionalString.describe('Required `aud` of JWTs (required whenever JWTs are accepted)'),
  jwtScopeClaim: z.string().min(1).default('scope').describe('JWT claim holding the scopes: a space-separated string or an array'),
  jwtClockSkewSeconds: int(0, 600).default(30).describe('Leeway when checking JWT exp and nbf'),
  jwksCacheSeconds: int(10, 86_400).default(600).describe('How long keys fetched from a JWKS URL are used before refetching'),
  jwksTimeoutMs: int(100, 60_000).default(5000).describe('Timeout of one JWKS URL fetch'),
  metricsPublic: bool.default(false).describe('With --auth, serve /metrics without credentials (otherwise it needs the metrics:read scope)'),
  rateLimitPerSecond: z.coerce.number().min(0).max(1_000_000).default(0).describe('Requests per second per principal (per IP when anonymous); 0 turns rate limiting off'),
  rateLimitBurst: int(0, 1_000_000).default(0).describe('Requests a principal may send at once before the rate applies (0: one second of --rate-limit-per-second)'),
  trustProxy: z.string().default('').describe('Comma-separated proxy addresses or CIDRs whose X-Forwarded-For names the client (rate limits, audit); empty trusts none'),
  tlsCert: optionalString.describe('PEM certificate (chain) file: serve HTTPS instead of HTTP (with --tls-key); re-read when it changes'),
  tlsKey: optionalString.describe('PEM private key file for --tls-cert'),
  tlsClientCa: optionalString.describe('PEM CA file: require client certificates signed by it (mutual TLS)'),
  tlsClientAuth: z.enum(['handshake', 'routes']).default('handshake').describe('Mutual TLS: refuse clients without a certificate at the handshake, or only on non-public routes (so probes need none)'),
  headersTimeoutMs: int(100, 600_000).default(10_000).describe('Time a client has to send the request headers'),
  requestTimeoutMs: int(100, 3_600_000).default(60_000).describe('Time a client has to send the whole request, body included'),
  keepAliveTimeoutMs: int(100, 3_600_000).default(72_000).describe('How long an idle keep-alive connection stays open (above your load balancer\'s idle timeout)'),
  idleTimeoutMs: int(1000, 3_600_000).default(120_000).describe('A connection with no traffic in either direction for this long is closed'),
  corsOrigins: z.string().default('').describe('Comma-separated origins allowed to call from browsers (CORS), or *; empty turns CORS off'),
  // Model lifecycle (src/repository/watcher.ts, src/registry/model-control.ts, src/server.ts).
  modelControl: z.enum(['poll', 'explicit']).default('poll').describe('poll: watch the repository and apply changes; explicit: only the repository API loads and unloads'),
  pollIntervalSeconds: seconds(0.05, 3600).default(2).describe('Seconds between repository polls; a version is taken once unchanged across two polls (or at once with a complete manifest)'),
  loadProbe: bool.default(true).describe('Load and warm up each new version in a short-lived child process first, so a model that crashes or hangs onnxruntime never reaches the server'),
  loadTimeoutSeconds: seconds(1, 3600).default(120).describe('Longest a version may take to load and warm up in the probe (or the process backend) before it is refused'),
  drainTimeoutSeconds: seconds(0, 3600).default(30).describe('Longest in-flight requests may run on shutdown or on an unloading version before they are cut'),
  shutdownDelaySeconds: seconds(0, 3600).default(0).describe('On SIGTERM, keep serving (readiness false) this long before closing, so load balancers stop routing first'),
  // Protected artifacts (src/repository/artifacts.ts).
  requireManifest: bool.default(false).describe('Refuse versions without a manifest.json (SHA-256 of every file); a present manifest is always verified'),
  requireSignatures: bool.default(false).describe('Refuse versions whose manifest has no valid Ed25519 signature (manifest.sig) by a trusted key'),
  trustedKeys: optionalString.describe('Ed25519 public key (PEM) file, or a directory of *.pub / *.pem files, trusted to sign manifests'),
  modelKeyFile: optionalString.describe('File holding the AES-256 key (64 hex chars or base64) that decrypts model.onnx.enc; never logged'),
  modelKey: optionalString.describe('The AES-256 key itself (hex or base64), for a secret in the environment; prefer the env var or --model-key-file to a flag'),
});

/** Settings that only make sense together; every problem is reported at once, at startup. */
function checkSecuritySettings(c: z.infer<typeof ConfigFields>, ctx: z.RefinementCtx): void {
  const problem = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
  const jwt = c.jwtSecret !== undefined || c.jwtJwks !== undefined;
  if (c.auth && c.apiKeysFile === undefined && c.apiKeys === undefined && !jwt) {
    problem('auth', 'auth is on but no credentials can be checked: set --api-keys-file, --api-keys, --jwt-secret or --jwt-jwks');
  }
  if (c.jwtSecret !== undefined && Buffer.byteLength(c.jwtSecret) < 32) problem('jwtSecret', 'an HS256 secret needs at least 32 bytes');
  // NOTE: without an audience check, a token minted for any other service of the same issuer would be accepted.
  if (jwt && c.jwtAudience === undefined) problem('jwtAudience', 'JWTs are accepted, so their audience must be checked: set --jwt-audience');
  if (c.jwtJwks !== undefined && c.jwtIssuer === undefined) problem('jwtIssuer', 'keys from a JWKS sign tokens for a whole issuer: set --jwt-issuer');
  if ((c.tlsCert === undefined) !== (c.tlsKey === undefined)) problem(c.tlsCert === undefined ? 'tlsCert' : 'tlsKey', 'TLS needs both --tls-cert and --tls-key');
  if (c.tlsClientCa !== undefined && c.tlsCert === undefined) problem('tlsClientCa', 'mutual TLS needs TLS: set --tls-cert and --tls-key');
  if (c.headersTimeoutMs > c.requestTimeoutMs) problem('headersTimeoutMs', 'the headers timeout cannot exceed the request timeout');
  for (const origin of c.corsOrigins.split(',').map((o) => o.trim()).filter((o) => o !== '' && o !== '*')) {
    if (!/^https?:\/\/[^/\s]+$/.test(origin)) problem('corsOrigins', `'${origin}' is not an origin (scheme://host[:port], no path)`);
  }
}

/** Artifact settings that only make sense together; every problem is reported at once, at startup. */
function checkArtifactSettings(c: z.infer<typeof ConfigFields>, ctx: z.RefinementCtx): void {
  if (c.requireSignatures && c.trustedKeys === undefined) {
    ctx.addIssue({ code: 'custom', path: ['trustedKeys'], message: 'signatures are required, so --trusted-keys must name the keys that may sign' });
  }
  if (c.modelKey !== undefined && c.modelKeyFile !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['modelKey'], message: 'give the model key once: --model-key or --model-key-file, not both' });
  }
}

export const ConfigSchema = ConfigFields.superRefine(checkSecuritySettings).superRefine(checkArtifactSettings);

export type Config = z.infer<typeof ConfigSchema>;
export type ConfigKey = keyof Config;
