// What the kernel charges a measurement: /proc parsing for CPU split and cross-CPU wake-ups, and the reading beside a verdict.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import type { InterleavedRuns } from '../../bench/interleaved.js';
import { cpuTimes, parseProcStat, parseWakeups, wakeupInterrupts } from '../../bench/kernel-cost.js';
import { kernelReading } from '../../bench/targets.js';

const INTERRUPTS = `           CPU0       CPU1
  1:          9          0   IO-APIC   1-edge      i8042
LOC:    1200575    2079800   Local timer interrupts
RES:     330962     328510   Rescheduling interrupts
CAL:    6698205    1491346   Function call interrupts
TLB:     294096     284264   TLB shootdowns
ERR:          0
`;

describe('kernel cost', () => {
  test('a /proc stat line gives user and system seconds, whatever the command name holds', () => {
    const tail = 'S 1 2 3 4 5 6 7 8 9 10 1234 567 0 0 20 0 3 0 100';
    assert.deepEqual(parseProcStat(`4242 (node) ${tail}`), { user: 12.34, system: 5.67 });
    assert.deepEqual(parseProcStat(`4242 (a) b (c) ${tail}`), { user: 12.34, system: 5.67 });
  });

  test('wake-ups are the function-call and rescheduling interrupts of every core, nothing else', () => {
    assert.equal(parseWakeups(INTERRUPTS), 330962 + 328510 + 6698205 + 1491346);
    assert.ok(Number.isNaN(parseWakeups(INTERRUPTS.replace(/^CAL:.*$/m, ''))), 'without one of the rows: no figure');
    assert.ok(Number.isNaN(parseWakeups('')));
  });

  test('on Linux: this process\'s CPU grows with work done, the wake-up count never falls', { skip: !existsSync('/proc/interrupts') }, () => {
    const [before, wakeups] = [cpuTimes(process.pid), wakeupInterrupts()];
    const until = Date.now() + 50;
    while (Date.now() < until);
    const after = cpuTimes(process.pid);
    assert.ok(after.user + after.system > before.user + before.system, `${JSON.stringify(before)} → ${JSON.stringify(after)}`);
    assert.ok(wakeupInterrupts() >= wakeups && Number.isFinite(wakeups));
    assert.ok(Number.isNaN(cpuTimes(2 ** 22 + 1).user), 'a process that is not there: NaN, not a throw');
  });

  test('the reading beside a head-to-head verdict: medians of each side\'s CPU, its kernel part and the wake-ups', () => {
    const runs: InterleavedRuns = {
      seconds: 3,
      rps: { 'onnx-serve': [1, 1, 1], 'http-ceiling': [1, 1, 1] },
      cpuUs: { 'onnx-serve': [70, 72, 90], 'http-ceiling': [72, 75, 100] },
      sysUs: { 'onnx-serve': [12, 14, 20], 'http-ceiling': [25, 27, 30] },
      wakeups: { 'onnx-serve': [0.1, 0.12, 0.2], 'http-ceiling': [0.6, 0.7, NaN] },
      errors: {},
    };
    assert.equal(
      kernelReading(runs, 'http-ceiling'),
      '; per request, medians of the rounds: onnx-serve 72.0 µs CPU (14.0 in the kernel), 0.12 wake-ups, baseline 75.0 µs CPU (27.0 in the kernel), 0.65 wake-ups',
    );
    assert.equal(kernelReading({ ...runs, sysUs: undefined }, 'http-ceiling'), '', 'older results without the split: nothing');
    assert.equal(kernelReading({ ...runs, sysUs: { 'onnx-serve': [NaN] } }, 'http-ceiling'), '', 'no /proc figures: nothing');
    assert.match(kernelReading({ ...runs, wakeups: undefined }, 'http-ceiling'), /onnx-serve 72\.0 µs CPU \(14\.0 in the kernel\), — wake-ups, baseline/, 'no interrupt counts: a dash, not NaN');
  });
});
