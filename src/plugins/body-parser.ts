// One body parser for every route: any or no Content-Type, gzip/deflate/br bodies, the binary tensor framing.
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ServiceError } from '../errors.js';
import { splitInferBody } from '../inference/codec/infer-body.js';

const DECOMPRESS: Record<string, (buf: Buffer, opts: zlib.ZlibOptions) => Promise<Buffer>> = {
  gzip: promisify(zlib.gunzip),
  deflate: promisify(zlib.inflate), // NOTE: HTTP "deflate" is the zlib format, as Triton reads it
  br: promisify(zlib.brotliDecompress) as (buf: Buffer, opts: zlib.ZlibOptions) => Promise<Buffer>,
};

declare module 'fastify' {
  interface FastifyRequest {
    /** Bytes after the JSON header when the binary tensor extension is used (empty otherwise). */
    binaryBody: Buffer;
  }
}

async function decode(request: FastifyRequest, body: Buffer, limit: number): Promise<Buffer> {
  const encoding = String(request.headers['content-encoding'] ?? 'identity').toLowerCase().trim();
  if (encoding === 'identity') return body;
  const inflate = DECOMPRESS[encoding];
  if (inflate === undefined) throw new ServiceError(415, `unsupported Content-Encoding '${encoding.slice(0, 32)}' (use gzip, deflate or br)`);
  try {
    return await inflate(body, { maxOutputLength: limit });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new ServiceError(413, `decompressed body exceeds ${limit} bytes`);
    throw new ServiceError(400, `body is not valid ${encoding} data`);
  }
}

/**
 * Replaces Fastify's parsers: tritonclient and KServe's client send no Content-Type, and binary requests
 * are a JSON header plus raw tensors, split at Inference-Header-Content-Length.
 */
export function registerBodyParser(app: FastifyInstance, bodyLimit: number): void {
  app.decorateRequest('binaryBody', null as unknown as Buffer);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, async (request: FastifyRequest, raw: Buffer) => {
    const body = await decode(request, raw, bodyLimit);
    if (body.length === 0) {
      request.binaryBody = body;
      return undefined;
    }
    const headerLength = request.headers['inference-header-content-length'];
    const { header, binary } = splitInferBody(body, Array.isArray(headerLength) ? headerLength[0] : headerLength);
    request.binaryBody = binary;
    return header;
  });
}
