// Marks the startup warm-up's own requests (see request-path.ts) so metrics, monitoring, logs and limits leave them out.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { RequestLifecycle } from '../plugins/request-end.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** One of the startup warm-up's requests: served like any other, counted and logged nowhere. */
    warmup: boolean;
  }
  interface FastifyInstance {
    warmupGate: WarmupGate;
  }
}

/** The header carrying the warm-up's token. */
export const WARMUP_HEADER = 'x-onnx-serve-warmup';

/**
 * A random token that exists only while the warm-up runs. NOTE: a request bearing it skips authentication and
 * rate limits, so it is 256 random bits, compared in constant time, honoured on inference routes only, and
 * forgotten the moment the warm-up ends; it reaches the warm-up's process over IPC, never argv or the environment.
 */
export class WarmupGate {
  #token: Buffer | null = null;

  /** A fresh token, valid until close(). */
  open(): string {
    const token = randomBytes(32).toString('base64url');
    this.#token = Buffer.from(token);
    return token;
  }

  close(): void {
    this.#token = null;
  }

  get isOpen(): boolean {
    return this.#token !== null;
  }

  admits(value: string | string[] | undefined): boolean {
    const token = this.#token;
    if (token === null || typeof value !== 'string') return false;
    const given = Buffer.from(value);
    return given.length === token.length && timingSafeEqual(given, token);
  }
}

/**
 * Flags warm-up requests before any other lifecycle listener sees them. NOTE: register it first; once the
 * warm-up is over a request costs one boolean test here.
 */
export function registerWarmupGate(app: FastifyInstance, onRequestEnd: (l: RequestLifecycle) => void): WarmupGate {
  const gate = new WarmupGate();
  app.decorate('warmupGate', gate);
  app.decorateRequest('warmup', false);
  onRequestEnd({
    onStart(request, _reply, route) {
      if (gate.isOpen && route.access === 'infer' && gate.admits(request.headers[WARMUP_HEADER])) request.warmup = true;
    },
    onEnd() {},
  });
  return gate;
}
