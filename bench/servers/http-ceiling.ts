// Baseline (a), the HTTP ceiling: bare Fastify POST routes that parse the same bodies and answer fixed bytes of the same size.
//
//   node --import tsx bench/servers/http-ceiling.ts <port> '<json {path: responseFile}>'
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

const [port, routesJson] = process.argv.slice(2);
/** Per path: the file holding the real server's answer to the same payload, and its binary header length if any. */
const routes = JSON.parse(routesJson) as Record<string, { response: string; headerLength?: number }>;
const app = Fastify({ logger: false, bodyLimit: 256 * 1024 * 1024 });
// NOTE: binary-extension bodies are a JSON header plus raw bytes; parse the header as the real server must.
app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (req, body: Buffer, done) => {
  const length = Number(req.headers['inference-header-content-length']);
  done(null, { header: JSON.parse(body.toString('utf8', 0, length)), bytes: body.length - length });
});
for (const [path, { response, headerLength }] of Object.entries(routes)) {
  const bytes = readFileSync(response);
  app.post(path, async (_req, reply) => {
    if (headerLength !== undefined) reply.header('inference-header-content-length', String(headerLength)).type('application/octet-stream');
    else reply.type('application/json');
    return reply.send(bytes);
  });
}
await app.listen({ host: '127.0.0.1', port: Number(port) });
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
