// Baseline (a), the HTTP ceiling: bare Fastify POST routes that parse the same bodies and answer fixed bytes of the same size.
//
//   node --import tsx bench/servers/http-ceiling.ts <port> '<json {path: responseFile}>' [per-turn]
//
// With `per-turn`, a reference beside the ceiling: the same route holds each answer until the end of the event
// loop's turn and then writes every held answer at once, as a batching server writes a batch's answers. On
// loopback each answer written alone wakes the load generator on the other core; on a VM where that wake-up
// is dear (the host of runs W to Z), writing them together made the same route about twice as fast.
import { readFileSync } from 'node:fs';
import Fastify, { type FastifyReply } from 'fastify';
import { atTurnEnd } from './turn-end.js';

const [port, routesJson, mode] = process.argv.slice(2);
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
  const answer = (reply: FastifyReply) => {
    if (headerLength !== undefined) reply.header('inference-header-content-length', String(headerLength)).type('application/octet-stream');
    else reply.type('application/json');
    return reply.send(bytes);
  };
  if (mode !== 'per-turn') app.post(path, async (_req, reply) => answer(reply));
  else {
    app.post(path, (_req, reply) => {
      atTurnEnd(() => answer(reply));
      return reply;
    });
  }
}
await app.listen({ host: '127.0.0.1', port: Number(port) });
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
