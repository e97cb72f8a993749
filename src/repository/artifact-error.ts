// Why a model version could not be loaded, as a small fixed set of kinds (a metric label, a log field).

/**
 * - integrity: manifest missing (when required), invalid, or a file differs from it
 * - signature: unsigned (when required), signed by an untrusted key, or the signature does not verify
 * - decryption: no key, a different key, or ciphertext that fails authentication
 * - unreadable: the model file is missing or cannot be read
 * - invalid: onnxruntime refused the model, or it references files outside itself
 * - warmup: the model loaded but failed its warm-up run
 * - crash: the process hosting the session (the load probe, the process backend) died
 * - timeout: loading or warming up took longer than the load timeout
 * - config: model.yaml is invalid
 */
export type LoadFailureKind = 'integrity' | 'signature' | 'decryption' | 'unreadable' | 'invalid' | 'warmup' | 'crash' | 'timeout' | 'config';

export const LOAD_FAILURE_KINDS: readonly LoadFailureKind[] = ['integrity', 'signature', 'decryption', 'unreadable', 'invalid', 'warmup', 'crash', 'timeout', 'config'];

/** A load failure whose kind is known where it is raised (repository checks, the probe). */
export class ArtifactError extends Error {
  constructor(
    readonly kind: LoadFailureKind,
    message: string,
  ) {
    super(message);
    this.name = 'ArtifactError';
  }
}

/** The kind of a load failure: its own when it says, else `fallback` (the stage that failed). */
export const failureKind = (err: unknown, fallback: LoadFailureKind): LoadFailureKind => (err instanceof ArtifactError ? err.kind : fallback);
