// `onnx-serve profile`: the CLI rebuilds the demo's profile from CSV, reads JSON Lines, and reports bad input in one line.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { runProfile } from '../../src/cli/profile.js';
import { parseProfile } from '../../src/repository/profile-file.js';
import { IRIS_SEED } from '../../tools/models/iris.js';
import { IRIS_CLASSES, IRIS_FEATURES, loadIrisSplit, type Rows } from '../../tools/train/iris-data.js';
import { DEFAULT_MODELS, fixtureRepository } from '../helper.js';

const scratch = mkdtempSync(join(tmpdir(), 'onnx-serve-profile-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs the command, capturing what it writes. */
async function profile(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const captured = { out: '', err: '' };
  const code = await runProfile(args, { out: (t) => (captured.out += t), err: (t) => (captured.err += t) });
  return { code, ...captured };
}

function irisCsv(rows: Rows, path: string): string {
  const lines = [[...IRIS_FEATURES, 'species'].join(','), ...rows.x.map((x, i) => [...x.map(String), IRIS_CLASSES[rows.y[i]]].join(','))];
  writeFileSync(path, `${lines.join('\r\n')}\r\n`);
  return path;
}

describe('onnx-serve profile', () => {
  const split = loadIrisSplit(IRIS_SEED);
  const train = irisCsv(split.train, join(scratch, 'train.csv'));
  const heldOut = irisCsv(split.test, join(scratch, 'held-out.csv'));

  for (const version of [1, 2]) {
    test(`rebuilds iris v${version}'s committed profile from CSV, running the model with onnxruntime`, async () => {
      const repo = join(scratch, `iris-v${version}`);
      cpSync(join(DEFAULT_MODELS, 'iris'), repo, { recursive: true });
      const { code, out } = await profile('--model', join(repo, String(version)), '--data', train, '--label', 'species', '--validation', heldOut);
      assert.equal(code, 0);
      assert.match(out, /wrote .*profile\.json: 4 features, 1 outputs, 120 rows; accuracy \d\.\d{4} on 30 rows; sha256 [0-9a-f]{64}/);
      const fresh = parseProfile(readFileSync(join(repo, String(version), 'profile.json'), 'utf8'));
      const committed = parseProfile(readFileSync(join(DEFAULT_MODELS, 'iris', String(version), 'profile.json'), 'utf8'));
      assert.deepEqual(fresh.features, committed.features);
      assert.deepEqual(fresh.outputs, committed.outputs);
      assert.deepEqual(fresh.performance, committed.performance);
      assert.match(fresh.source!, /^train\.csv \(120 rows, sha256 [0-9a-f]{64}\)$/);
    });
  }

  test('reads JSON Lines, maps the columns of a single input in order, and takes the label from the data', async () => {
    const repo = join(scratch, 'classifier');
    cpSync(join(await fixtureRepository(), 'classifier'), repo, { recursive: true });
    const lines = Array.from({ length: 40 }, (_, i) => JSON.stringify({ w: i % 4 === 0 ? 1 : 0, x: i % 4 === 1 ? 1 : 0, y: i % 4 === 2 ? 1 : null, z: i % 4 === 3 ? 1 : 0, truth: ['cat', 'dog', 'bird', 'fish'][i % 4] }));
    writeFileSync(join(scratch, 'ref.jsonl'), `${lines.join('\n')}\n`);
    const { code, err } = await profile('--model', join(repo, '1'), '--data', join(scratch, 'ref.jsonl'), '--label', 'truth', '--out', join(scratch, 'classifier.json'));
    assert.equal(code, 0, err);
    const p = parseProfile(readFileSync(join(scratch, 'classifier.json'), 'utf8'));
    assert.deepEqual(p.features.map((f) => [f.name, f.input, f.column]), [['w', 'x', 0], ['x', 'x', 1], ['y', 'x', 2], ['z', 'x', 3]]);
    assert.equal(p.features[2].type === 'numeric' && p.features[2].missingRate, 0.75, 'null is missing');
    assert.deepEqual(p.outputs[0].type === 'classes' && p.outputs[0].classes, 4);
    // NOTE: the fixture's MatMul spreads a missing (NaN) input over every score, so those rows predict no class:
    // only the rows where y is present (1 in 4) are right, and their "no class" shows as the outputs' last slot.
    assert.equal(p.performance?.task === 'classification' && p.performance.accuracy, 0.25);
    assert.deepEqual(p.outputs[0].proportions, [0, 0, 0.25, 0, 0.75]);
  });

  test('profiles a categorical (BYTES) input with top-K categories and no output to watch', async () => {
    const repo = join(scratch, 'strings');
    cpSync(join(await fixtureRepository(), 'strings'), repo, { recursive: true });
    writeFileSync(join(scratch, 'words.csv'), `text\n${['a', 'b', 'a', 'c', '""', 'a', '"d,e"'].join('\n')}\n`);
    const { code, err } = await profile('--model', join(repo, '1'), '--data', join(scratch, 'words.csv'), '--top-k', '2', '--out', join(scratch, 'strings.json'));
    assert.equal(code, 0, err);
    const p = parseProfile(readFileSync(join(scratch, 'strings.json'), 'utf8'));
    assert.deepEqual(p.features[0], { name: 'text', input: 'text', column: 0, type: 'categorical', categories: ['a', 'b'], proportions: [0.5, 1 / 6, 2 / 6], missingRate: 1 / 7 });
    assert.deepEqual(p.outputs, []);
  });

  const failures: [string, string[], RegExp, number][] = [
    ['no --data', ['--model', 'x'], /--model and --data are required/, 2],
    ['an unknown option', ['--nope'], /Unknown option '--nope'/, 2],
    ['a data file of unknown format', ['--model', 'MODEL', '--data', 'data.txt'], /cannot tell the format of 'data.txt'/, 1],
    ['a label column that is not there', ['--model', 'MODEL', '--data', 'TRAIN', '--label', 'kind'], /label column 'kind' is not in the reference data/, 1],
    ['a bin count out of range', ['--model', 'MODEL', '--data', 'TRAIN', '--bins', '0'], /--bins must be an integer from 1 to 1000/, 1],
  ];
  for (const [what, args, message, exit] of failures) {
    test(`exits ${exit} with one line for ${what}`, async () => {
      const repo = join(scratch, 'iris-v1');
      const resolved = args.map((a) => (a === 'MODEL' ? join(repo, '1') : a === 'TRAIN' ? train : a));
      const { code, err } = await profile(...resolved);
      assert.equal(code, exit);
      assert.match(err, message);
      assert.doesNotMatch(err, /\n\s+at /, 'no stack trace');
    });
  }

  test('names a column that does not parse as a number, with its row', async () => {
    writeFileSync(join(scratch, 'bad.csv'), `${IRIS_FEATURES.join(',')}\n5.1,3.5,1.4,0.2\n5.0,abc,1.4,0.2\n`);
    const { code, err } = await profile('--model', join(scratch, 'iris-v1', '1'), '--data', join(scratch, 'bad.csv'));
    assert.equal(code, 1);
    assert.match(err, /column 'sepal_width', row 2: 'abc' is not a number/);
  });

  test('refuses columns that do not match the features model.yaml declares', async () => {
    writeFileSync(join(scratch, 'renamed.csv'), 'a,b,c,d\n1,2,3,4\n');
    const { code, err } = await profile('--model', join(scratch, 'iris-v1', '1'), '--data', join(scratch, 'renamed.csv'));
    assert.equal(code, 1);
    assert.match(err, /feature 'sepal_length' is not a column of the data set \(columns: a, b, c, d\)/);
  });
});
