// AssemblyScript source of the number-run reader (tools/build-wasm.ts compiles it into number-runs-wasm.ts).
//
// A run is what fills a JSON array of numbers: `number (ws? , ws? number)*`. The reader converts each number to
// the double JSON.parse gives it and stops at the first thing it does not decide for sure: a character that
// ends the run, a number outside the grammar, more than 19 significant digits, an exponent beyond ±22, a value
// within 2^-95 of halfway between two doubles. The caller reads on from `stop` with its own exact code.

/** Input window: the caller copies up to WINDOW bytes of the body here. */
export const INPUT: u32 = 4096;
export const WINDOW: u32 = 32768;
/** Output: one double per number; a window of WINDOW bytes holds at most WINDOW / 2 numbers. */
export const OUTPUT: u32 = INPUT + WINDOW + 16;

/** Where the last run read stopped: just after its last number (or its start, if it read none). */
export let stop: u32 = 0;

const POW10: usize = memory.data<f64>([
  1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
]);
/** Dekker's splitter, 2^27 + 1 (wasm has no fused multiply-add). */
const SPLIT: f64 = 134217729.0;
/** 2^-95: far wider than the double-double error (a few 2^-104), far narrower than half an ulp (2^-53). */
const SLACK: f64 = 2.524354896707238e-29;

let productLow: f64 = 0;

// @ts-ignore: decorator
@inline function pow10(e: i32): f64 {
  return load<f64>(POW10 + (<usize>e << 3));
}

/** a * b rounded; its exact error goes to productLow. */
// @ts-ignore: decorator
@inline function twoProduct(a: f64, b: f64): f64 {
  const p = a * b;
  let t = SPLIT * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b);
  const bl = b - bh;
  productLow = al * bl - (((p - ah * bh) - al * bh) - ah * bl);
  return p;
}

/** The double nearest to w * 10^exponent, or NaN where that is not decided here. */
function toDouble(w: u64, exponent: i32): f64 {
  if (exponent < -22 || exponent > 22) return NaN;
  // NOTE: below 2^53 w is exact, and one operation with an exact power of ten rounds correctly (Clinger).
  if (w < (<u64>1 << 53)) return exponent >= 0 ? <f64>w * pow10(exponent) : <f64>w / pow10(-exponent);
  const wh = <f64>w;
  const wl = <f64>(<i64>(w - <u64>wh)); // NOTE: w = wh + wl exactly, |wl| at most half an ulp of wh
  let hi: f64;
  let lo: f64;
  if (exponent >= 0) {
    const p = pow10(exponent);
    hi = twoProduct(wh, p);
    lo = productLow + wl * p;
  } else {
    const p = pow10(-exponent);
    hi = wh / p;
    const back = twoProduct(hi, p);
    lo = (wh - back - productLow + wl) / p;
  }
  // NOTE: the value lies within a few 2^-104 |hi| of hi + lo; where both ends of a far wider interval round to
  // the same double, monotonic rounding makes it the correctly rounded value.
  const slack = abs(hi) * SLACK;
  const down = hi + (lo - slack);
  return down == hi + (lo + slack) ? down : NaN;
}

// @ts-ignore: decorator
@inline function isDigit(c: u32): bool {
  return c - 0x30 < 10;
}

// @ts-ignore: decorator
@inline function isSpace(c: u32): bool {
  return c == 0x20 || c == 0x0a || c == 0x0d || c == 0x09;
}

/** Eight ASCII digits in one little-endian word (the test and the conversion are fast_float's). */
// @ts-ignore: decorator
@inline function eightDigits(v: u64): bool {
  return (((v + 0x4646464646464646) | (v - 0x3030303030303030)) & 0x8080808080808080) == 0;
}

// @ts-ignore: decorator
@inline function eightValue(v: u64): u64 {
  v -= 0x3030303030303030;
  v = v * 10 + (v >> 8);
  return ((v & 0x000000ff000000ff) * 0x000f424000000064 + ((v >> 16) & 0x000000ff000000ff) * 0x0000271000000001) >> 32;
}

/**
 * Reads the run starting at INPUT + start, in a window whose bytes end at INPUT + length (a zero byte follows);
 * doubles go to OUTPUT in order. `last` says the window ends where the JSON ends: otherwise a number touching
 * its end may go on beyond it, and is left to the caller (which reads on from a window starting there). Returns
 * how many numbers it read.
 */
export function readRun(start: u32, length: u32, last: bool): u32 {
  const end = INPUT + length;
  let p = INPUT + start;
  let count: u32 = 0;
  stop = p;
  while (p < end) {
    let c = <u32>load<u8>(p);
    const negative = c == 0x2d;
    if (negative) c = <u32>load<u8>(++p);
    let w: u64 = 0; // the first 19 significant digits
    let digits: i32 = 0; // significant digits in all
    let exponent: i32 = 0;
    if (c == 0x30) {
      c = <u32>load<u8>(++p);
      if (isDigit(c)) break; // NOTE: JSON has no leading zeros
    } else if (isDigit(c)) {
      while (digits <= 11 && p + 8 <= end && eightDigits(load<u64>(p))) {
        w = w * 100000000 + eightValue(load<u64>(p));
        p += 8;
        digits += 8;
      }
      for (c = <u32>load<u8>(p); isDigit(c); c = <u32>load<u8>(++p)) {
        if (digits < 19) w = w * 10 + <u64>(c - 0x30);
        digits++;
      }
    } else break;
    if (c == 0x2e) {
      c = <u32>load<u8>(++p);
      if (!isDigit(c)) break;
      // NOTE: a fraction's leading zeros are not significant digits
      if (digits == 0) for (; c == 0x30; c = <u32>load<u8>(++p)) exponent--;
      while (digits <= 11 && p + 8 <= end && eightDigits(load<u64>(p))) {
        w = w * 100000000 + eightValue(load<u64>(p));
        p += 8;
        digits += 8;
        exponent -= 8;
      }
      for (c = <u32>load<u8>(p); isDigit(c); c = <u32>load<u8>(++p)) {
        if (digits < 19) {
          w = w * 10 + <u64>(c - 0x30);
          exponent--;
        }
        digits++;
      }
    }
    if ((c | 0x20) == 0x65) {
      c = <u32>load<u8>(++p);
      const minus = c == 0x2d;
      if (minus || c == 0x2b) c = <u32>load<u8>(++p);
      if (!isDigit(c)) break;
      let e: i32 = 0;
      for (; isDigit(c); c = <u32>load<u8>(++p)) if (e < 100000) e = e * 10 + <i32>(c - 0x30);
      exponent += minus ? -e : e;
    }
    if (digits > 19 || (last ? p > end : p >= end)) break;
    const v = digits == 0 ? 0.0 : toDouble(w, exponent);
    if (isNaN(v)) break;
    store<f64>(OUTPUT + (count << 3), negative ? -v : v);
    count++;
    stop = p;
    while (isSpace(c)) c = <u32>load<u8>(++p);
    if (c != 0x2c) break;
    c = <u32>load<u8>(++p);
    while (isSpace(c)) c = <u32>load<u8>(++p);
  }
  return count;
}
