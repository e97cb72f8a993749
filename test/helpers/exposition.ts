// Reading the Prometheus text format in tests: samples, lookups by labels, scraping the real app.
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { find, parseExposition, type Sample } from '../../tools/drift/exposition.js';

export { find, parseExposition, type Sample };

/** The single sample of `name` with exactly these labels' values (fails when absent or ambiguous). */
export function value(samples: Sample[], name: string, match: Record<string, string>): number {
  const found = find(samples, name, match);
  assert.equal(found.length, 1, `one ${name} sample with ${JSON.stringify(match)}; found ${JSON.stringify(found)}`);
  return found[0].value;
}

export async function scrape(app: FastifyInstance): Promise<Sample[]> {
  const res = await app.inject({ url: '/metrics' });
  assert.equal(res.statusCode, 200);
  return parseExposition(res.body);
}
