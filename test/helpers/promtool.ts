// Finding Prometheus' binaries for the tests that need them (Debian package `prometheus`; .ci/run installs it).
import { spawnSync } from 'node:child_process';

/** The binary's path, or undefined when it is not installed. */
export function which(binary: string): string | undefined {
  const found = spawnSync('sh', ['-c', `command -v ${binary}`], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : undefined;
}

/**
 * Why a test that needs `binary` is skipped, or false to run it. With ONNX_SERVE_REQUIRE_PROMETHEUS=1 (set by
 * .ci/run) a missing binary fails instead, so CI can never skip these checks silently.
 */
export function skipWithout(binary: string): string | false {
  if (which(binary) !== undefined) return false;
  if (process.env.ONNX_SERVE_REQUIRE_PROMETHEUS === '1') throw new Error(`${binary} is required (ONNX_SERVE_REQUIRE_PROMETHEUS=1) but not installed: apt-get install prometheus`);
  return `${binary} is not installed (apt-get install prometheus); CI runs this`;
}
