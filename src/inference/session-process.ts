// Child process that owns one onnxruntime session (process backend, load probe): if the model crashes it, only this dies.
import type { BackendOptions, InferenceBackend } from './backend.js';
import { createOrtBackend } from './ort-backend.js';
import type { Tensor } from './tensor.js';
import type { WorkerReply, WorkerRequest } from './worker-protocol.js';

export type ProcessRequest = { type: 'load'; modelBytes: Uint8Array; options: BackendOptions } | WorkerRequest;

const send = (reply: WorkerReply): void => void process.send!(reply);
let backend: InferenceBackend | null = null;

// NOTE: the server went away (or closed the channel): nothing can reach this session any more.
process.on('disconnect', () => process.exit(0));

process.on('message', (msg: ProcessRequest) => {
  if (msg.type === 'load') {
    createOrtBackend(msg.modelBytes, msg.options).then(
      (created) => {
        backend = created;
        send({ type: 'ready', signature: created.signature });
      },
      (err: Error) => send({ type: 'failed', message: err.message }),
    );
    return;
  }
  if (msg.type === 'dispose') {
    void (backend?.dispose() ?? Promise.resolve()).finally(() => process.exit(0));
    return;
  }
  if (backend === null) return send({ type: 'error', id: msg.id, message: 'no session loaded' });
  const timing: { computeSeconds?: number } = {};
  backend.run(msg.inputs, msg.outputs, { timing }).then(
    (outputs: Record<string, Tensor>) => send({ type: 'result', id: msg.id, outputs, computeSeconds: timing.computeSeconds }),
    (err: Error) => send({ type: 'error', id: msg.id, message: err.message }),
  );
});
