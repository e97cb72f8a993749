// src/inference/codec/json-parse.ts and number-runs.ts: the same values as JSON.parse, bit for bit, or no answer.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { parseJsonBytes } from '../../../src/inference/codec/json-parse.js';
import { numberRunsAvailable } from '../../../src/inference/codec/number-runs.js';
import { mulberry32 as random } from '../../../tools/train/prng.js';

const parse = (text: string): unknown => {
  const bytes = Buffer.from(text);
  return parseJsonBytes(bytes, 0, bytes.length);
};

/**
 * The fast parser either equals JSON.parse (SameValue on every number: -0 and 0 differ) or leaves the text to it.
 * NOTE: compared as the server sees a body: bytes, decoded as UTF-8 before JSON.parse.
 */
function agrees(text: string, mustAnswer: boolean): void {
  let expected: unknown;
  let valid = true;
  try {
    expected = JSON.parse(Buffer.from(text).toString('utf8'));
  } catch {
    valid = false;
  }
  const got = parse(text);
  if (!valid) return assert.equal(got, undefined, `accepted invalid JSON ${text.slice(0, 80)}`);
  if (got === undefined && !mustAnswer) return;
  assert.deepStrictEqual(got, expected, text.slice(0, 200));
}

/** The exact decimal digits of the point halfway between a positive normal double d and the next one: text × 10^exponent. */
function halfwayDigits(d: number): { text: string; exponent: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, d);
  const bits = view.getBigUint64(0);
  const e = Number(bits >> 52n) - 1075;
  const mantissa = (bits & ((1n << 52n) - 1n)) | (1n << 52n);
  const twice = 2n * mantissa + 1n; // halfway = twice × 2^(e - 1)
  if (e - 1 >= 0) return { text: (twice << BigInt(e - 1)).toString(), exponent: 0 };
  // NOTE: × 2^-k = × 5^k / 10^k
  const k = 1 - e;
  return { text: (twice * 5n ** BigInt(k)).toString(), exponent: -k };
}

/** Decimal text of a number as a client might write it: digits, fraction, exponent, sign. */
function decimalText(next: () => number): string {
  const digits = (n: number) => Array.from({ length: n }, () => Math.floor(next() * 10)).join('');
  const intPart = next() < 0.3 ? '0' : String(1 + Math.floor(next() * 9)) + digits(Math.floor(next() * 8));
  const frac = next() < 0.7 ? `.${digits(1 + Math.floor(next() * 20))}` : '';
  const exp = next() < 0.3 ? `${next() < 0.5 ? 'e' : 'E'}${['', '+', '-'][Math.floor(next() * 3)]}${Math.floor(next() * 40)}` : '';
  return `${next() < 0.4 ? '-' : ''}${intPart}${frac}${exp}`;
}

describe('numbers', () => {
  test('every float32 value written by JSON.stringify reads back as the same double', () => {
    const next = random(1);
    const values = Float32Array.from({ length: 50_000 }, () => (next() - 0.5) * 10 ** Math.floor(next() * 12 - 6));
    const text = JSON.stringify(Array.from(values));
    assert.deepStrictEqual(parse(text), JSON.parse(text));
  });

  test('random doubles over the whole exponent range read back exactly', () => {
    const next = random(2);
    const view = new DataView(new ArrayBuffer(8));
    const values: number[] = [];
    while (values.length < 50_000) {
      view.setUint32(0, Math.floor(next() * 2 ** 32));
      view.setUint32(4, Math.floor(next() * 2 ** 32));
      const v = view.getFloat64(0);
      if (Number.isFinite(v)) values.push(v);
    }
    const text = JSON.stringify(values);
    assert.deepStrictEqual(parse(text), JSON.parse(text));
  });

  test('decimal texts with 1 to 28 digits, fractions and exponents equal Number() of the same text', () => {
    const next = random(3);
    const texts = Array.from({ length: 50_000 }, () => decimalText(next));
    assert.deepStrictEqual(parse(`[${texts.join(',')}]`), texts.map(Number));
  });

  test('decimals next to the point halfway between two doubles round as JSON.parse does', () => {
    // NOTE: the first 16 to 19 digits of a halfway point lie within 10^-16..10^-19 of it: the cases where the
    // reader must round right or hand the number back to Number().
    const next = random(4);
    const texts: string[] = [];
    for (let i = 0; i < 5_000; i++) {
      const digits = halfwayDigits(1 + next() * 2 ** Math.floor(next() * 60));
      for (const n of [16, 17, 18, 19]) {
        const head = digits.text.slice(0, n);
        const bumped = (BigInt(head) + 1n).toString();
        for (const d of [head, bumped]) texts.push(`${d}e${digits.exponent + digits.text.length - d.length}`);
      }
    }
    texts.push('12345678901234567', '9007199254740993', '9007199254740995', '18014398509481985', '1.7976931348623157e308', '2.2250738585072014e-308', '4.9406564584124654e-324');
    assert.deepStrictEqual(parse(`[${texts.join(',')}]`), texts.map(Number));
  });

  test('zeros keep their sign, and edge forms read as JSON.parse reads them', () => {
    for (const text of ['[-0]', '[0]', '[-0.0]', '[0e5]', '[-0E-5]', '[0.000]', '[1e400]', '[-1e400]', '[1e-400]', '[123456789012345678901234567890]', '[0.1e1]', '[1E+2]', '[1e-2]', '[5e-324]']) {
      agrees(text, true);
    }
  });

  test('texts JSON forbids are never accepted', () => {
    for (const text of ['[01]', '[1.]', '[.5]', '[+1]', '[-]', '[1e]', '[1e+]', '[--1]', '[0x10]', '[NaN]', '[Infinity]', '[1,]', '[,1]', '[1 2]', '[1', '1 2', '[1,,2]', '[-01]', '[00]', '[1.e5]', '[1..2]']) {
      assert.equal(parse(text), undefined, text);
    }
  });
});

describe('documents', () => {
  /** A random JSON value: objects, arrays (numeric runs among them), strings with escapes and non-ASCII text. */
  function value(next: () => number, depth: number): unknown {
    const r = next();
    if (depth > 4 || r < 0.35) {
      const k = Math.floor(next() * 6);
      if (k === 0) return decimalText(next).replace(/^-?0(\d)/, '$1');
      if (k === 1) return ['plain', 'é✓ 😀', 'quote " back \\ slash', 'tab\tnew\nline\u0001', '/', '\u2028'][Math.floor(next() * 6)];
      if (k === 2) return next() < 0.5;
      if (k === 3) return null;
      return (next() - 0.5) * 10 ** Math.floor(next() * 10 - 3);
    }
    if (r < 0.6) return Array.from({ length: Math.floor(next() * 5) }, () => value(next, depth + 1));
    if (r < 0.75) return Array.from({ length: Math.floor(next() * 300) }, () => Math.fround(next() * 4 - 2));
    const o: Record<string, unknown> = {};
    for (let i = Math.floor(next() * 5); i > 0; i--) o[['name', 'shape', 'data', 'é', '1', 'a"b', ''][Math.floor(next() * 7)]] = value(next, depth + 1);
    return o;
  }

  test('random documents, compact and with whitespace everywhere, equal JSON.parse', () => {
    const next = random(5);
    for (let i = 0; i < 500; i++) {
      const v = value(next, 0);
      const compact = JSON.stringify(v);
      agrees(compact, true);
      agrees(JSON.stringify(v, null, '\t').replace(/,/g, ' ,\r\n '), true);
    }
  });

  test('mutated documents are either what JSON.parse makes of them or left to it', () => {
    const next = random(6);
    const noise = ['', ',', ']', '[', '{', '}', '"', ':', '-', '.', 'e', '0', '1', ' ', '\\', 'tru', 'nul', '\u0000'];
    for (let i = 0; i < 3000; i++) {
      const text = JSON.stringify(value(next, 0));
      const at = Math.floor(next() * (text.length + 1));
      const cut = Math.floor(next() * 3);
      agrees(text.slice(0, at) + noise[Math.floor(next() * noise.length)] + text.slice(at + cut), false);
    }
  });

  test('a typical inference request: its numbers arrive as one array equal to JSON.parse', () => {
    const data = Array.from({ length: 512 }, (_, i) => Math.fround(Math.sin(512_000 + i) * 3));
    agrees(JSON.stringify({ id: 'r1', inputs: [{ name: 'input', shape: [1, 512], datatype: 'FP32', data }], outputs: [{ name: 'y' }] }), true);
  });

  test('arrays longer than the reader\'s 32 KiB window, with numbers cut at every offset, read whole', () => {
    for (const pad of [0, 1, 2, 3, 5, 8, 13, 17]) {
      const data = Array.from({ length: 9000 }, (_, i) => (i % 3 === 0 ? -Math.sin(i) * 1e-3 : Math.fround(Math.cos(i) * 1e4)));
      agrees(`${' '.repeat(pad)}{"data":${JSON.stringify(data).replace(/,/g, (m, k: number) => (k % 7 === 0 ? ' , ' : m))}}`, true);
    }
  });

  test('one number longer than the window is read too', () => {
    agrees(`[1,${'9'.repeat(40_000)},2]`, true);
    agrees(`[0.${'3'.repeat(40_000)}]`, true);
  });

  test('nested and mixed arrays keep their structure and order', () => {
    for (const text of ['[[1,2],[3,4]]', '[1,"a",2,[3],{"b":4},5]', '[1,[2,[3,[4]]],5]', '[[],[[]],[1]]', '[1,true,null,false]', '[ 1 , 2 ]', '[1,\n2\t,\r3]']) agrees(text, true);
  });

  test('the bytes after the given end are never read as part of the JSON', () => {
    const body = Buffer.from('{"data":[1,2,3]}4567');
    assert.deepEqual(parseJsonBytes(body, 0, 16), { data: [1, 2, 3] });
    assert.equal(parseJsonBytes(Buffer.from('12399'), 0, 3), 123);
    assert.deepEqual(parseJsonBytes(Buffer.from('[1]]'), 0, 3), [1]);
    // NOTE: a number touching the end, with digits after it in the binary part: never read on into them.
    assert.equal(parseJsonBytes(Buffer.from('[1,23' + '4]'), 0, 5), undefined);
    assert.equal(parseJsonBytes(Buffer.from('[1.5e1' + '0]'), 0, 6), undefined);
    assert.equal(parseJsonBytes(Buffer.from('[1,2'), 0, 4), undefined);
    assert.equal(parseJsonBytes(Buffer.from('[1,2]'), 0, 4), undefined);
  });

  test('duplicate keys keep the last value, as JSON.parse does', () => {
    agrees('{"a":1,"b":2,"a":3}', true);
  });

  test('"__proto__" keys and nesting deeper than 64 levels are left to JSON.parse', () => {
    assert.equal(parse('{"__proto__":{"x":1}}'), undefined);
    assert.equal(parse(`${'['.repeat(100)}${']'.repeat(100)}`), undefined);
    agrees(`${'['.repeat(60)}1${']'.repeat(60)}`, true);
  });

  test('invalid UTF-8 in strings becomes U+FFFD, as the UTF-8 decoding before JSON.parse makes it', () => {
    const body = Buffer.concat([Buffer.from('{"name":"a'), Buffer.from([0xff, 0xc3]), Buffer.from('b","data":[1.5]}')]);
    assert.deepStrictEqual(parseJsonBytes(body, 0, body.length), JSON.parse(body.toString('utf8')));
  });
});

describe('without WebAssembly', () => {
  test('the parser answers nothing and requests still parse through JSON.parse', { timeout: 60_000 }, () => {
    // NOTE: --jitless turns WebAssembly off, as some locked-down runtimes do.
    const script = [
      "import { parseJsonBytes } from './src/inference/codec/json-parse.ts';",
      "import { splitInferBody } from './src/inference/codec/infer-body.ts';",
      "const body = Buffer.from(JSON.stringify({ inputs: [{ name: 'x', shape: [1, 100], datatype: 'FP32', data: Array.from({ length: 100 }, (_, i) => i / 7) }] }));",
      'console.log(JSON.stringify([parseJsonBytes(body, 0, body.length) === undefined, splitInferBody(body, undefined).header]));',
    ].join('\n');
    const out = execFileSync(process.execPath, ['--jitless', '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
    const [unanswered, header] = JSON.parse(out) as [boolean, { inputs: { data: number[] }[] }];
    assert.equal(unanswered, true);
    assert.deepEqual(header.inputs[0].data, Array.from({ length: 100 }, (_, i) => i / 7));
    assert.equal(numberRunsAvailable, true, 'this test process has WebAssembly');
  });
});
