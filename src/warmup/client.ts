// The startup warm-up's load (see request-path.ts): a child process that sends inference requests to the server
// that started it, over that server's own port, for the seconds it is given; then it reports and exits.
import http from 'node:http';
import https from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WarmupOrder, WarmupReport, WarmupTarget } from './request-path.js';

/** Connection failures with no answer at all: the server cannot be reached, so the warm-up gives up early. */
const GIVE_UP_AFTER_ERRORS = 50;
const REQUEST_TIMEOUT_MS = 10_000;

async function warmUp(order: WarmupOrder): Promise<WarmupReport> {
  const url = new URL(order.url);
  const client = url.protocol === 'https:' ? https : http;
  const agent = new client.Agent({ keepAlive: true, maxSockets: order.connections });
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const until = Date.now() + order.seconds * 1000;
  const report: WarmupReport = { requests: 0, statuses: {} };
  let answered = 0;
  let failures = 0;
  let next = 0;

  // NOTE: each body's bytes once, not once per request.
  const targets = order.targets.map((t: WarmupTarget) => ({ path: t.path, body: Buffer.from(t.body) }));
  const send = (target: { path: string; body: Buffer }) =>
    new Promise<void>((resolve) => {
      const body = target.body;
      const fail = (err: Error) => {
        failures++;
        report.error ??= err.message;
        report.statuses.error = (report.statuses.error ?? 0) + 1;
        resolve();
      };
      const request = client.request(
        {
          host,
          port: url.port,
          path: target.path,
          method: 'POST',
          agent,
          // NOTE: the server's own certificate, reached at an address it may not name; the token is what matters here.
          rejectUnauthorized: false,
          headers: { 'content-type': 'application/json', 'content-length': body.length, [order.header]: order.token },
          timeout: REQUEST_TIMEOUT_MS,
        },
        (response) => {
          response.resume();
          response.once('end', () => {
            answered++;
            const status = String(response.statusCode);
            report.statuses[status] = (report.statuses[status] ?? 0) + 1;
            resolve();
          });
          response.once('error', fail);
        },
      );
      request.once('timeout', () => request.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
      request.once('error', fail);
      request.end(body);
    });

  const connection = async () => {
    while (Date.now() < until && !(answered === 0 && failures >= GIVE_UP_AFTER_ERRORS)) {
      const target = targets[next++ % targets.length];
      report.requests++;
      const before = failures;
      await send(target);
      if (failures > before) await sleep(20);
    }
  };
  await Promise.all(Array.from({ length: order.connections }, connection));
  agent.destroy();
  return report;
}

// NOTE: the parent's death closes the IPC channel; the warm-up must not outlive it.
process.once('disconnect', () => process.exit(0));
process.once('message', (order: WarmupOrder) => {
  warmUp(order).then(
    (report) => process.send!(report, () => process.exit(0)),
    (err: unknown) => process.send!({ requests: 0, statuses: {}, error: (err as Error).message } satisfies WarmupReport, () => process.exit(1)),
  );
});
// NOTE: the order is sent only after this: one that arrived before the listener above could be dropped.
process.send!({ listening: true });
