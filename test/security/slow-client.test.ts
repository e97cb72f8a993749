// Slow clients (slowloris) on a real socket: headers or a body sent a byte at a time are cut off by the server's own timeouts while other clients are served.
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { describe, test, type TestContext } from 'node:test';
import { createConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { startServer } from '../../src/server.js';
import { DEFAULT_MODELS } from '../helper.js';

const INFER = JSON.stringify({ inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 4], data: [5.1, 3.5, 1.4, 0.2] }] });

interface SlowClient {
  /** Whether the server has closed the connection yet. */
  closed: boolean;
  /** Everything the server sent, once it closed the connection. */
  done: Promise<string>;
  socket: Socket;
}

/** Opens a connection, sends `head` at once, then `drip` one byte every 50 ms until the server closes it; never closes it itself. */
function slowClient(port: number, head: string, drip: string): Promise<SlowClient> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    let timer: NodeJS.Timeout | undefined;
    const client: SlowClient = {
      closed: false,
      socket,
      done: new Promise((settle) => {
        socket.on('data', (d: Buffer) => (received += d.toString()));
        socket.on('error', () => undefined);
        socket.on('close', () => {
          clearInterval(timer);
          client.closed = true;
          settle(received);
        });
      }),
    };
    socket.on('connect', () => {
      socket.write(head);
      let i = 0;
      timer = setInterval(() => {
        if (!socket.writable) return;
        socket.write(drip[i++ % drip.length]);
      }, 50);
      resolve(client);
    });
  });
}

async function server(t: TestContext, overrides: Partial<Config>) {
  const s = await startServer(createConfig({ port: 0, models: DEFAULT_MODELS, logLevel: 'silent', warmupSeconds: 0, ...overrides }));
  t.after(async () => {
    s.app.server.closeAllConnections();
    await s.close();
  });
  return { url: s.url, port: Number(new URL(s.url).port) };
}

// NOTE: the limit only turns a regression (a server that never times clients out) into a failure instead of a hang.
const GUARD = { timeout: 60_000 };

describe('slow clients', () => {
  test('20 clients sending headers a byte at a time get 408 and are closed, while other clients are served meanwhile', GUARD, async (t) => {
    const { url, port } = await server(t, { headersTimeoutMs: 3000, requestTimeoutMs: 6000 });
    const slow = await Promise.all(Array.from({ length: 20 }, () => slowClient(port, 'GET /v2/health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: ', 'abcdefgh')));
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      statuses.push((await fetch(`${url}/v2/health/ready`)).status);
      statuses.push((await fetch(`${url}/v2/models/iris/infer`, { method: 'POST', body: INFER })).status);
    }
    const heldMeanwhile = slow.filter((c) => !c.closed).length;
    assert.deepEqual(statuses, Array(20).fill(200), 'every other client was served');
    assert.equal(heldMeanwhile, 20, 'all of that happened while the slow clients were still connected');
    for (const text of await Promise.all(slow.map((c) => c.done))) {
      assert.match(text, /^HTTP\/1\.1 408 Request Timeout\r\n/);
      assert.ok(text.endsWith('{"error":"request not received in time"}'), text);
    }
    assert.equal((await fetch(`${url}/v2/health/live`)).status, 200, 'the server is still fine afterwards');
  });

  test('a client sending its body a byte at a time is cut off by the request timeout', GUARD, async (t) => {
    const { port } = await server(t, { headersTimeoutMs: 1000, requestTimeoutMs: 2000 });
    const head = `POST /v2/models/iris/infer HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${INFER.length * 100}\r\n\r\n`;
    const client = await slowClient(port, head, INFER);
    assert.match(await client.done, /^HTTP\/1\.1 408 /);
  });

  test('a connection that goes quiet halfway through its headers is closed at the idle timeout, before the headers timeout could answer 408', GUARD, async (t) => {
    const { port } = await server(t, { headersTimeoutMs: 20_000, requestTimeoutMs: 30_000, idleTimeoutMs: 1000 });
    const quiet = connect(port, '127.0.0.1', () => quiet.write('POST /v2/models/iris/infer HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: abc'));
    let received = '';
    quiet.on('data', (d: Buffer) => (received += d.toString()));
    quiet.on('error', () => undefined);
    await new Promise((r) => quiet.on('close', r));
    assert.equal(received, '', 'closed without an answer, as Node closes a socket that timed out');
  });

  test('a client whose body trickles in for longer than the idle timeout is not idle: it is served', GUARD, async (t) => {
    const { port } = await server(t, { headersTimeoutMs: 20_000, requestTimeoutMs: 30_000, idleTimeoutMs: 1000 });
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    let received = '';
    socket.on('data', (d: Buffer) => (received += d.toString()));
    const closed = new Promise((r) => socket.on('close', r));
    await new Promise((r) => socket.on('connect', r));
    socket.write(`POST /v2/models/iris/infer HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: ${INFER.length}\r\n\r\n`);
    // NOTE: 8 pieces 300 ms apart: 2.4 s in all, past twice the idle timeout, never 1 s without a byte.
    const pieces = 8;
    const size = Math.ceil(INFER.length / pieces);
    for (let i = 0; i < pieces; i++) {
      await new Promise((r) => setTimeout(r, 300));
      if (socket.writable) socket.write(INFER.slice(i * size, (i + 1) * size));
    }
    await closed;
    assert.match(received, /^HTTP\/1\.1 200 OK/);
  });

  test('a connection that never sends a byte, and an idle keep-alive connection, are closed by the server', GUARD, async (t) => {
    const { port } = await server(t, { headersTimeoutMs: 500, requestTimeoutMs: 1000, keepAliveTimeoutMs: 500 });
    const silent = connect(port, '127.0.0.1');
    silent.on('error', () => undefined);
    silent.resume(); // NOTE: a paused socket would never see the server's close
    const keepAlive = connect(port, '127.0.0.1', () => keepAlive.write('GET /v2/health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n'));
    let answer = '';
    keepAlive.on('data', (d: Buffer) => (answer += d.toString()));
    await Promise.all([new Promise((r) => silent.on('close', r)), new Promise((r) => keepAlive.on('close', r))]);
    assert.match(answer, /^HTTP\/1\.1 200 OK/);
    assert.match(answer, /keep-alive/i);
  });
});
