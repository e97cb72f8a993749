// JSON.parse for request bodies heavy with numbers: the structure read on the bytes, arrays of numbers by WebAssembly.
import { NumberList, numberRunsAvailable, readNumberRun, releaseNumberRuns } from './number-runs.js';

/**
 * NOTE: JSON.parse spends about 100 ns on each 17-digit number (V8 converts through its general strtod), and
 * model inputs are thousands of them; arrays of numbers go to the WebAssembly reader instead. Only valid
 * documents are parsed here: anything else (a syntax error, a "__proto__" key, deep nesting) answers undefined
 * and the caller falls back to JSON.parse, which then gives its own result or error. Whatever this returns
 * equals what JSON.parse returns, bit for bit.
 */
const MAX_DEPTH = 64;

class Bail extends Error {}
const BAIL = new Bail();

let buf: Buffer = Buffer.alloc(0);
let pos = 0;
let end = 0;

/** The JSON value in bytes [start, finish) of `bytes`, or undefined when JSON.parse must decide. */
export function parseJsonBytes(bytes: Buffer, start: number, finish: number): unknown {
  if (!numberRunsAvailable) return undefined;
  buf = bytes;
  pos = start;
  end = finish;
  try {
    const value = parseValue(0);
    skipSpace();
    return pos === end ? value : undefined;
  } catch (err) {
    if (err === BAIL) return undefined;
    throw err;
  } finally {
    buf = EMPTY; // NOTE: not holding on to the last request's body
    releaseNumberRuns();
  }
}
const EMPTY = Buffer.alloc(0);

function skipSpace(): void {
  while (pos < end) {
    const c = buf[pos];
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return;
    pos++;
  }
}

function parseValue(depth: number): unknown {
  skipSpace();
  if (pos >= end) throw BAIL;
  const c = buf[pos];
  if (c === 0x22) return parseString();
  if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return parseNumber();
  if (c === 0x5b) return parseArray(depth + 1);
  if (c === 0x7b) return parseObject(depth + 1);
  if (c === 0x74) return keyword('true', true);
  if (c === 0x66) return keyword('false', false);
  if (c === 0x6e) return keyword('null', null);
  throw BAIL;
}

function keyword<T>(text: string, value: T): T {
  if (pos + text.length > end) throw BAIL;
  for (let i = 1; i < text.length; i++) if (buf[pos + i] !== text.charCodeAt(i)) throw BAIL;
  pos += text.length;
  return value;
}

/** The numbers of the array being read; one list serves every array, as an array of numbers holds no other array. */
const numbers = new NumberList();

function parseArray(depth: number): unknown[] {
  if (depth > MAX_DEPTH) throw BAIL;
  pos++;
  skipSpace();
  if (buf[pos] === 0x5d) {
    pos++;
    return [];
  }
  const c = buf[pos];
  return c === 0x2d || isDigit(c) ? numberArray(depth) : valueArray([], depth);
}

/** An array that starts with a number: runs go to the WebAssembly reader, what it leaves to parseNumber. */
function numberArray(depth: number): unknown[] {
  numbers.clear();
  for (;;) {
    const after = readNumberRun(buf, pos, end, numbers);
    if (after === pos) numbers.push(parseNumber());
    else pos = after;
    skipSpace();
    const next = buf[pos++];
    if (next === 0x5d) return numbers.toArray();
    if (next !== 0x2c) throw BAIL;
    skipSpace();
    const c = buf[pos];
    // NOTE: an array of numbers and other values (rare) goes on element by element.
    if (c !== 0x2d && !isDigit(c)) return valueArray(numbers.toArray(), depth);
  }
}

/** Elements from pos on, appended to `out`, up to the closing bracket. */
function valueArray(out: unknown[], depth: number): unknown[] {
  for (;;) {
    out.push(parseValue(depth));
    skipSpace();
    const next = buf[pos++];
    if (next === 0x5d) return out;
    if (next !== 0x2c) throw BAIL;
  }
}

function parseObject(depth: number): Record<string, unknown> {
  if (depth > MAX_DEPTH) throw BAIL;
  pos++;
  const out: Record<string, unknown> = {};
  skipSpace();
  if (buf[pos] === 0x7d) {
    pos++;
    return out;
  }
  for (;;) {
    skipSpace();
    if (buf[pos] !== 0x22) throw BAIL;
    const key = parseString();
    // NOTE: assigning "__proto__" would set the prototype, where JSON.parse defines a property; leave it to JSON.parse.
    if (key === '__proto__') throw BAIL;
    skipSpace();
    if (buf[pos++] !== 0x3a) throw BAIL;
    out[key] = parseValue(depth);
    skipSpace();
    const c = buf[pos++];
    if (c === 0x2c) continue;
    if (c === 0x7d) return out;
    throw BAIL;
  }
}

function parseString(): string {
  const start = ++pos;
  while (pos < end) {
    const c = buf[pos];
    if (c === 0x22) {
      pos++;
      return buf.toString('utf8', start, pos - 1);
    }
    // NOTE: escapes are rare in model inputs and names; JSON.parse of the quoted slice decodes them exactly.
    if (c === 0x5c) return escapedString(start);
    if (c < 0x20) throw BAIL;
    pos++;
  }
  throw BAIL;
}

function escapedString(start: number): string {
  while (pos < end) {
    const c = buf[pos];
    if (c === 0x5c) pos += 2;
    else if (c === 0x22) break;
    else if (c < 0x20) throw BAIL;
    else pos++;
  }
  if (pos >= end) throw BAIL;
  pos++;
  try {
    return JSON.parse(buf.toString('utf8', start - 1, pos)) as string;
  } catch {
    throw BAIL;
  }
}

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

/** -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, converted by Number() (exact, and rare here: see readNumberRun). */
function parseNumber(): number {
  const start = pos;
  if (buf[pos] === 0x2d) pos++;
  if (buf[pos] === 0x30) pos++;
  else if (!digitsAt()) throw BAIL;
  if (buf[pos] === 0x2e) {
    pos++;
    if (!digitsAt()) throw BAIL;
  }
  if (buf[pos] === 0x65 || buf[pos] === 0x45) {
    pos++;
    if (buf[pos] === 0x2d || buf[pos] === 0x2b) pos++;
    if (!digitsAt()) throw BAIL;
  }
  if (pos > end) throw BAIL;
  return Number(buf.toString('latin1', start, pos));
}

/** Skips one or more digits; false if there was none. */
function digitsAt(): boolean {
  const start = pos;
  while (pos < end && isDigit(buf[pos])) pos++;
  return pos > start;
}
