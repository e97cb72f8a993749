// src/monitoring/monitor-plan.ts: what gets watched for a version, and a readable note for what does not.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ModelSignature, TensorSpec } from '../../src/inference/tensor.js';
import { NO_PROFILE, planMonitoring } from '../../src/monitoring/monitor-plan.js';
import { buildProfile } from '../../src/monitoring/profile/build-profile.js';
import { ModelConfigSchema } from '../../src/repository/model-config.js';
import { parseProfile, serializeProfile } from '../../src/repository/profile-file.js';

const spec = (name: string, datatype: TensorSpec['datatype'], shape: number[]): TensorSpec => ({ name, datatype, shape });
const SIGNATURE: ModelSignature = { inputs: [spec('x', 'FP32', [-1, 2]), spec('tag', 'BYTES', [-1])], outputs: [spec('scores', 'FP32', [-1, 3]), spec('id', 'INT64', [-1])] };
const PROFILE = parseProfile(
  serializeProfile(
    buildProfile({
      rows: 4,
      features: [
        { name: 'a', input: 'x', column: 0, type: 'numeric', values: [1, 2, NaN, 4] },
        { name: 'b', input: 'x', column: 1, type: 'numeric', values: [1, 2, 3, 4] },
        { name: 'tag', input: 'tag', column: 0, type: 'categorical', values: ['p', 'q', 'p', 'p'] },
      ],
      outputs: [{ name: 'scores', type: 'classes', classes: 3, values: [0, 1, 2, 2] }],
      performance: { task: 'classification', output: 'scores', rows: 4, accuracy: 0.5 },
    }),
  ),
);
const config = (monitoring: object = {}, extra: object = {}) => ModelConfigSchema.parse({ monitoring, ...extra });

describe('drift', () => {
  test("follows the profile's features and outputs when model.yaml declares none", () => {
    const plan = planMonitoring({ config: config(), signature: SIGNATURE, profile: PROFILE })!;
    assert.equal(plan.drift, true);
    assert.deepEqual(plan.features.map((f) => [f.name, f.tensor, f.column, f.type, f.kind]), [['a', 'x', 0, 'numeric', 'number'], ['b', 'x', 1, 'numeric', 'number'], ['tag', 'tag', 0, 'categorical', 'string']]);
    assert.deepEqual(plan.outputs.map((o) => [o.name, o.type, o.reader, o.classes]), [['scores', 'classes', 'argmax', 3]]);
    assert.deepEqual(plan.notes, []);
    assert.equal(plan.profileHash, PROFILE.hash);
  });

  test("puts the reference missing rate in the last slot and scales the bins' shares", () => {
    const a = planMonitoring({ config: config(), signature: SIGNATURE, profile: PROFILE })!.features[0];
    assert.equal(a.reference.length, a.numeric!.slots);
    assert.equal(a.reference[a.reference.length - 1], 0.25);
    assert.ok(Math.abs(a.reference.reduce((s, p) => s + p, 0) - 1) < 1e-12);
  });

  test('accepts model.yaml declaring exactly the features the profile was built for', () => {
    const declared = config({ inputs: { x: ['a', 'b'], tag: [{ name: 'tag', type: 'categorical' }] }, outputs: { scores: 'classes' } });
    assert.equal(planMonitoring({ config: declared, signature: SIGNATURE, profile: PROFILE })!.drift, true);
  });

  const off: [string, object, ModelSignature, RegExp][] = [
    ['model.yaml declares other features', { inputs: { x: ['b', 'a'] } }, SIGNATURE, /other features than model.yaml declares/],
    ['model.yaml declares a feature as categorical the profile has numeric', { inputs: { x: ['a', { name: 'b', type: 'categorical' }], tag: [{ name: 'tag', type: 'categorical' }] } }, SIGNATURE, /other features/],
    ['the model has no such input', {}, { ...SIGNATURE, inputs: [spec('x', 'FP32', [-1, 2])] }, /names input 'tag', which the model does not have/],
    ['a numeric feature reads strings', {}, { ...SIGNATURE, inputs: [spec('x', 'BYTES', [-1, 2]), spec('tag', 'BYTES', [-1])] }, /numeric 'a' reads 'x', which holds strings/],
    ['a column is beyond the row', {}, { ...SIGNATURE, inputs: [spec('x', 'FP32', [-1, 1]), spec('tag', 'BYTES', [-1])] }, /reads column 1 of 'x', which has 1 per row/],
    ['a watched output is missing', {}, { ...SIGNATURE, outputs: [spec('id', 'INT64', [-1])] }, /names output 'scores'/],
  ];
  for (const [what, monitoring, signature, note] of off) {
    test(`is off, with a note, when ${what}`, () => {
      const plan = planMonitoring({ config: config(monitoring), signature, profile: PROFILE })!;
      assert.equal(plan.drift, false);
      assert.deepEqual(plan.features, []);
      assert.ok(plan.notes.some((n) => note.test(n)), plan.notes.join(' | '));
    });
  }

  test('is off without a profile (noting it), or with the reason the profile was rejected', () => {
    assert.deepEqual(planMonitoring({ config: config(), signature: SIGNATURE, profile: null })!.notes, [NO_PROFILE]);
    assert.deepEqual(planMonitoring({ config: config(), signature: SIGNATURE, profile: null, profileError: 'profile.json hash does not match' })!.notes, ['profile.json hash does not match']);
  });

  test('everything is off when model.yaml says monitoring.enabled: false', () => {
    assert.equal(planMonitoring({ config: config({ enabled: false }), signature: SIGNATURE, profile: PROFILE }), null);
  });
});

describe('the feedback target', () => {
  const cases: [string, object, TensorSpec[], object | RegExp][] = [
    ['scores [batch, 4] → argmax over 4 classes', {}, [spec('s', 'FP32', [-1, 4])], { output: 's', task: 'classification', reader: 'argmax', classes: 4 }],
    ['int ids [batch] with labels → the id, classes from the labels', { labels: ['a', 'b'] }, [spec('k', 'INT64', [-1])], { output: 'k', task: 'classification', reader: 'index', classes: 2, labels: ['a', 'b'] }],
    ['int ids [batch, 1] without labels → the id, class count unknown', {}, [spec('k', 'INT32', [-1, 1])], { output: 'k', task: 'classification', reader: 'index', classes: undefined }],
    ['one float per row → regression', {}, [spec('y', 'FP64', [-1])], { output: 'y', task: 'regression' }],
    ['one float per row declared classes → a 0.5 cut into 2 classes', { monitoring: { outputs: { p: 'classes' } } }, [spec('p', 'FP32', [-1, 1])], { output: 'p', task: 'classification', reader: 'threshold', classes: 2 }],
    ['the named target among several outputs', { monitoring: { target: 'b' } }, [spec('a', 'FP32', [-1, 2]), spec('b', 'INT64', [-1])], { output: 'b', reader: 'index' }],
    ['strings → none', {}, [spec('t', 'BYTES', [-1])], /holds strings/],
    ['a 2-D regression output → none', { monitoring: { outputs: { y: 'numeric' } } }, [spec('y', 'FP32', [-1, 2])], /needs one number per row/],
    ['a target the model lacks → none', { monitoring: { target: 'nope' } }, [spec('y', 'FP32', [-1])], /target output 'nope' is not an output/],
    ['a dynamic width → none', {}, [spec('y', 'FP32', [-1, -1])], /dynamic row width/],
  ];
  for (const [what, extra, outputs, expected] of cases) {
    test(what, () => {
      const { monitoring, ...rest } = extra as { monitoring?: object };
      const plan = planMonitoring({ config: config(monitoring, rest), signature: { inputs: [spec('x', 'FP32', [-1, 1])], outputs }, profile: null })!;
      if (expected instanceof RegExp) {
        assert.equal(plan.target, null);
        assert.ok(plan.notes.some((n) => expected.test(n)), plan.notes.join(' | '));
      } else {
        for (const [k, v] of Object.entries(expected)) assert.deepEqual((plan.target as unknown as Record<string, unknown>)[k], v, k);
      }
    });
  }

  test("takes the profile's performance output and its reference accuracy", () => {
    const plan = planMonitoring({ config: config(), signature: SIGNATURE, profile: PROFILE })!;
    assert.equal(plan.target?.output, 'scores');
    assert.deepEqual(plan.performance, { task: 'classification', output: 'scores', rows: 4, accuracy: 0.5 });
  });

  test('notes a reference performance that belongs to another output than the target', () => {
    const plan = planMonitoring({ config: config({ target: 'id' }), signature: SIGNATURE, profile: PROFILE })!;
    assert.equal(plan.performance, undefined);
    assert.ok(plan.notes.some((n) => /performance is for output 'scores'/.test(n)));
  });
});
