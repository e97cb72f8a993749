// src/monitoring/keyed-metrics.ts: the same exposition text as prom-client's own Counter and Histogram fed the same values.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Counter, Histogram, Registry } from 'prom-client';
import { KeyedCounter, KeyedHistogram } from '../../src/monitoring/keyed-metrics.js';

const BUCKETS = [0.001, 0.01, 0.1, 1];
/** Boundary values included: a value equal to a bound belongs to that bound's bucket (le is "less or equal"). */
const OBSERVED: [string, string, number][] = [
  ['iris', '1', 0.0005], ['iris', '1', 0.001], ['iris', '1', 0.05], ['iris', '2', 0.1], ['iris', '2', 3], ['mlp', '1', 0.01], ['iris', '1', 0.0101],
];

async function pair() {
  const theirs = new Registry();
  const ours = new Registry();
  const common = { help: 'test metric', labelNames: ['model', 'version'] };
  return {
    theirs,
    ours,
    reference: {
      counter: new Counter({ name: 't_requests_total', ...common, registers: [theirs] }),
      histogram: new Histogram({ name: 't_duration_seconds', ...common, buckets: BUCKETS, registers: [theirs] }),
    },
    keyed: {
      counter: new KeyedCounter({ name: 't_requests_total', ...common, registers: [ours] }),
      histogram: new KeyedHistogram({ name: 't_duration_seconds', ...common, buckets: BUCKETS, registers: [ours] }),
    },
  };
}

describe('keyed metrics', () => {
  test('render exactly what prom-client renders for the same increments and observations', async () => {
    const { theirs, ours, reference, keyed } = await pair();
    for (const [model, version, v] of OBSERVED) {
      reference.counter.inc({ model, version }, 2);
      reference.histogram.observe({ model, version }, v);
      keyed.counter.inc([model, version], 2);
      keyed.histogram.observe([model, version], v);
    }
    assert.equal(await ours.metrics(), await theirs.metrics());
  });

  test('observeEach renders as the same observations made one by one', async () => {
    const { theirs, ours, reference, keyed } = await pair();
    const batch = OBSERVED.filter(([m, v]) => m === 'iris' && v === '1').map(([, , x]) => x);
    for (const x of batch) reference.histogram.observe({ model: 'iris', version: '1' }, x);
    keyed.histogram.observeEach(['iris', '1'], batch);
    assert.equal(await ours.metrics(), await theirs.metrics());
  });

  test('remove drops every series whose labels include the match, and only those', async () => {
    const { theirs, ours, reference, keyed } = await pair();
    for (const [model, version, v] of OBSERVED) {
      if (!(model === 'iris' && version === '1')) {
        reference.counter.inc({ model, version });
        reference.histogram.observe({ model, version }, v);
      }
      keyed.counter.inc([model, version]);
      keyed.histogram.observe([model, version], v);
    }
    keyed.counter.remove({ model: 'iris', version: '1' });
    keyed.histogram.remove({ model: 'iris', version: '1' });
    assert.equal(await ours.metrics(), await theirs.metrics());
    keyed.histogram.remove({ model: 'mlp' });
    assert.ok(!(await ours.metrics()).includes('t_duration_seconds_count{model="mlp"'));
  });

  test('after a removal, kept series go on counting and removed ones start again at zero', async () => {
    const { ours, keyed } = await pair();
    keyed.counter.inc(['iris', '1'], 2);
    keyed.counter.inc(['iris', '2'], 3);
    keyed.counter.remove({ model: 'iris', version: '1' });
    keyed.counter.inc(['iris', '1']);
    keyed.counter.inc(['iris', '2']);
    const text = await ours.metrics();
    assert.match(text, /t_requests_total\{model="iris",version="1"\} 1\n/);
    assert.match(text, /t_requests_total\{model="iris",version="2"\} 4\n/);
  });

  test('refuse a wrong number of label values, a decreasing counter and bad buckets', () => {
    const registers = [new Registry()];
    const c = new KeyedCounter({ name: 'c_total', help: 'h', labelNames: ['a', 'b'], registers });
    assert.throws(() => c.inc(['only-one']), /expected 2 label values, got 1/);
    assert.throws(() => c.inc(['x', 'y'], -1), /only goes up/);
    assert.throws(() => new KeyedHistogram({ name: 'h_seconds', help: 'h', labelNames: ['a'], buckets: [1, 1], registers }), /distinct finite/);
    assert.throws(() => new KeyedCounter({ name: 'bad name', help: 'h', labelNames: ['a'], registers }), /invalid metric name/);
  });
});
