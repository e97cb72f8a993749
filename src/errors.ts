// Typed errors that carry their HTTP status; one handler (app.ts) renders them as {"error": ...}.

/** Base class: `statusCode` decides the HTTP status, `publicMessage` what the client reads. */
export class ServiceError extends Error {
  readonly statusCode: number;
  readonly headers: Record<string, string>;

  /** What a client may read; 5xx messages may carry internal details, so they get a generic one. */
  readonly publicMessage: string;

  constructor(
    statusCode: number,
    message: string,
    options: { cause?: unknown; headers?: Record<string, string>; publicMessage?: string } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.statusCode = statusCode;
    this.headers = options.headers ?? {};
    this.publicMessage = options.publicMessage ?? (statusCode < 500 || statusCode === 503 ? message : 'internal error');
  }
}

/** The request is malformed or does not match the model's signature (400). */
export class InvalidInputError extends ServiceError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(400, message, options);
  }
}

/** Unknown model, or unknown version of a known model (404). */
export class ModelNotFoundError extends ServiceError {
  constructor(model: string, version?: string) {
    super(404, version === undefined ? `Model '${model}' not found` : `Version '${version}' of model '${model}' not found`);
  }
}

/** The model or version exists but cannot serve right now (Triton answers 400 here; so do we). */
export class ModelNotReadyError extends ServiceError {
  constructor(model: string, version: string | undefined, reason: string) {
    super(400, `${version === undefined ? `Model '${model}'` : `Version '${version}' of model '${model}'`} is not ready: ${reason}`);
  }
}

/** The server asks the client to come back later (503 with Retry-After). */
export class UnavailableError extends ServiceError {
  constructor(message: string, retryAfterSeconds = 1) {
    super(503, message, { headers: { 'retry-after': String(retryAfterSeconds) } });
  }
}

/** Inference failed inside the runtime (500; the message is logged, not sent). */
export class InferenceFailedError extends ServiceError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(500, message, { ...options, publicMessage: 'inference failed' });
  }
}

/** A feature the protocol defines but this server does not implement, or was started without (501). */
export class UnsupportedError extends ServiceError {
  constructor(message: string) {
    // NOTE: what is not implemented is no internal detail; the client reads why.
    super(501, message, { publicMessage: message });
  }
}

/** What the audit log records about a refused credential: never the credential itself. */
export interface AuthFailureDetails {
  /** Why, precisely (e.g. `bad-signature`, `wrong-audience`, `mismatch`); the client may read less. */
  reason: string;
  credential: 'none' | 'api-key' | 'jwt' | 'client-certificate';
  /** Who the credential claims to be (a key's name, a token's unverified subject), when known. */
  claimed?: string;
}

/** Missing or invalid credentials (401); `challenge` becomes WWW-Authenticate. */
export class UnauthenticatedError extends ServiceError {
  constructor(
    message: string,
    challenge: string,
    readonly details: AuthFailureDetails,
  ) {
    super(401, message, { headers: { 'www-authenticate': challenge } });
  }
}

/** Valid credentials without the scope the route needs (403). */
export class ForbiddenError extends ServiceError {
  constructor(message: string, headers: Record<string, string> = {}) {
    super(403, message, { headers });
  }
}

/** The caller sent more than its rate limit allows (429 with Retry-After). */
export class TooManyRequestsError extends ServiceError {
  constructor(message: string, retryAfterSeconds: number) {
    super(429, message, { headers: { 'retry-after': String(retryAfterSeconds) } });
  }
}

/** A load request that left the model with no serving version (400, as Triton answers; the reasons are public). */
export class ModelLoadError extends ServiceError {
  constructor(model: string, reasons: string) {
    super(400, `failed to load '${model}': ${reasons}`);
  }
}

/** The request's deadline (server default, model.yaml or the protocol's `timeout`) passed before it finished (504). */
export class RequestTimeoutError extends ServiceError {
  constructor(message: string) {
    super(504, message, { publicMessage: message });
  }
}
