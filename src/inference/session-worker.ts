// Worker thread that owns one onnxruntime session: runs requests posted by WorkerBackend off the main event loop.
import { parentPort, workerData } from 'node:worker_threads';
import type { BackendOptions } from './backend.js';
import { createOrtBackend } from './ort-backend.js';
import type { Tensor } from './tensor.js';
import { transferList, type WorkerReply, type WorkerRequest } from './worker-protocol.js';

const port = parentPort!;
const { modelBytes, options } = workerData as { modelBytes: Uint8Array; options: BackendOptions };

try {
  const backend = await createOrtBackend(modelBytes, options);
  port.on('message', (msg: WorkerRequest) => {
    if (msg.type === 'dispose') {
      void backend.dispose().finally(() => port.close());
      return;
    }
    const timing: { computeSeconds?: number } = {};
    backend.run(msg.inputs, msg.outputs, { timing }).then(
      (outputs: Record<string, Tensor>) => {
        const reply: WorkerReply = { type: 'result', id: msg.id, outputs, computeSeconds: timing.computeSeconds ?? 0 };
        // NOTE: onnxruntime's output buffers are transferable, so results cross back without a copy.
        port.postMessage(reply, transferList(Object.values(outputs)));
      },
      (err: Error) => port.postMessage({ type: 'error', id: msg.id, message: err.message } satisfies WorkerReply),
    );
  });
  port.postMessage({ type: 'ready', signature: backend.signature } satisfies WorkerReply);
} catch (err) {
  port.postMessage({ type: 'failed', message: (err as Error).message } satisfies WorkerReply);
}
