// The connection layer: TLS (optionally mutual) from PEM files, and the timeouts that keep slow clients from holding the server.
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../config/schema.js';

type TransportConfig = Pick<
  Config,
  'tlsCert' | 'tlsKey' | 'tlsClientCa' | 'tlsClientAuth' | 'headersTimeoutMs' | 'requestTimeoutMs' | 'keepAliveTimeoutMs' | 'idleTimeoutMs'
>;

export interface TlsFiles {
  cert: Buffer;
  key: Buffer;
  ca?: Buffer;
}

function readPem(path: string, what: string): Buffer {
  try {
    const pem = readFileSync(path);
    if (!pem.includes('-----BEGIN ')) throw new Error('not PEM');
    return pem;
  } catch (err) {
    throw new Error(`cannot read the TLS ${what} '${path}': ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** The PEM files of the TLS settings, or undefined without TLS; throws naming the file that can't be read. */
export function readTlsFiles(config: TransportConfig): TlsFiles | undefined {
  if (config.tlsCert === undefined || config.tlsKey === undefined) return undefined;
  return {
    cert: readPem(config.tlsCert, 'certificate'),
    key: readPem(config.tlsKey, 'key'),
    ca: config.tlsClientCa === undefined ? undefined : readPem(config.tlsClientCa, 'client CA'),
  };
}

const clientError = (status: number, message: string): string => {
  const body = JSON.stringify({ error: message });
  const reason = status === 408 ? 'Request Timeout' : status === 431 ? 'Request Header Fields Too Large' : 'Bad Request';
  return `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
};

/** Answers what Node rejects before any route runs (timeouts, malformed HTTP) with the usual {"error": ...} body. */
function onClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  if (socket.writable) {
    if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') socket.write(clientError(408, 'request not received in time'));
    else if (err.code === 'HPE_HEADER_OVERFLOW') socket.write(clientError(431, 'request headers too large'));
    else socket.write(clientError(400, 'malformed HTTP request'));
  }
  socket.destroy();
}

/**
 * Fastify options for the server itself. NOTE: Node checks headersTimeout and requestTimeout only every
 * connectionsCheckingInterval (30 s by default), so the interval follows the shorter timeout.
 */
export function transportOptions(config: TransportConfig, tls: TlsFiles | undefined) {
  const server = {
    headersTimeout: config.headersTimeoutMs,
    connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(config.headersTimeoutMs / 4))),
  };
  const https =
    tls === undefined
      ? undefined
      : {
          ...server,
          cert: tls.cert,
          key: tls.key,
          minVersion: 'TLSv1.2' as const,
          ...(tls.ca === undefined ? {} : { ca: tls.ca, requestCert: true, rejectUnauthorized: config.tlsClientAuth === 'handshake' }),
        };
  return {
    ...(https === undefined ? { http: server } : { https }),
    requestTimeout: config.requestTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    // NOTE: no socket timer for the idle timeout: closeIdleConnections sweeps for it instead.
    connectionTimeout: 0,
    clientErrorHandler: onClientError,
  };
}

interface Watched {
  /** Bytes read plus bytes written (queued included) at the last sweep. */
  traffic: number;
  /** When a sweep last saw that number change (ms, monotonic). */
  since: number;
}

/**
 * Closes connections with no traffic either way for `idleMs`, as Node's socket timeout would (`server.timeout`),
 * checked by a sweep every eighth of it: a connection goes between `idleMs` and 1.25 × `idleMs` after its last
 * byte. A stalled download counts as idle: bytes queued for a client that does not read do not move the count.
 * NOTE: not a socket timer. Node re-arms one on every read and write, and swaps it with the keep-alive timer
 * twice per request, allocating a timer each time: about 1.5 % of an iris request's CPU under perf.
 */
export function closeIdleConnections(app: FastifyInstance, idleMs: number, now: () => number = () => performance.now()): void {
  const watched = new Map<Socket, Watched>();
  const trafficOf = (socket: Socket) => socket.bytesRead + (socket.bytesWritten ?? 0);
  // NOTE: for HTTPS this is the TCP socket under the TLS one; its bytes are the encrypted ones, handshake included.
  app.server.on('connection', (socket: Socket) => {
    watched.set(socket, { traffic: trafficOf(socket), since: now() });
    socket.once('close', () => watched.delete(socket));
  });
  const sweep = setInterval(() => {
    const at = now();
    for (const [socket, seen] of watched) {
      const traffic = trafficOf(socket);
      if (traffic !== seen.traffic) {
        seen.traffic = traffic;
        seen.since = at;
      } else if (at - seen.since >= idleMs) {
        watched.delete(socket);
        socket.destroy();
      }
    }
  }, Math.max(50, Math.floor(idleMs / 8)));
  sweep.unref();
  app.addHook('onClose', async () => clearInterval(sweep));
}

/** Re-reads the certificate, key and CA when they change (cert-manager renewals); a bad new set keeps the old one. */
export function reloadTlsOnChange(app: FastifyInstance, config: TransportConfig, intervalMs = 2000): void {
  const files = [config.tlsCert, config.tlsKey, config.tlsClientCa].filter((f): f is string => f !== undefined);
  const reload = () => {
    try {
      const tls = readTlsFiles(config)!;
      (app.server as unknown as { setSecureContext(o: object): void }).setSecureContext({ cert: tls.cert, key: tls.key, ...(tls.ca ? { ca: tls.ca } : {}), minVersion: 'TLSv1.2' });
      app.log.info({ audit: true, event: 'tls.reloaded' }, 'TLS certificate reloaded');
    } catch (err) {
      app.log.error({ reason: (err as Error).message }, 'TLS files rejected; the certificate loaded before stays in use');
    }
  };
  for (const f of files) watchFile(f, { interval: intervalMs, persistent: false }, reload);
  app.addHook('onClose', async () => {
    for (const f of files) unwatchFile(f, reload);
  });
}

/** The client certificate of a mutual-TLS connection: its subject (CN, else the whole subject) and whether the CA vouches for it. */
export function clientCertificate(request: FastifyRequest): { subject: string; authorized: boolean } | undefined {
  const socket = request.raw.socket as TLSSocket;
  if (socket.encrypted !== true || typeof socket.getPeerCertificate !== 'function') return undefined;
  const cert = socket.getPeerCertificate();
  if (cert === null || cert.subject === undefined) return undefined;
  const cn = cert.subject.CN as string | string[] | undefined;
  const subject = (Array.isArray(cn) ? cn[0] : cn) ?? Object.entries(cert.subject).map(([k, v]) => `${k}=${String(v)}`).join(',');
  return { subject: subject.slice(0, 256), authorized: socket.authorized === true };
}
