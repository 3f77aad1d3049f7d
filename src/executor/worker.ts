/**
 * Entry of a pool worker thread (compiled to `dist/src/executor/worker.js`).
 * Imports the registry module named in `workerData`, lets it prepare the
 * worker's numeric backend once, then runs stages on request and streams their
 * log and progress back. See {@link WorkerPoolRunner}.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadRegistryModule, runStage, type StageRegistry } from './in-process.js';
import type { RunRequest, WorkerBoot, WorkerMessage } from './protocol.js';

const port = parentPort;
if (!port) throw new Error('worker.ts must run inside a worker thread');
const boot = workerData as WorkerBoot;
const post = (m: WorkerMessage): void => port.postMessage(m);

let registry: StageRegistry = {};
let backend = 'none';
try {
  ({ registry, backend } = await loadRegistryModule(boot.registryModule, boot.workerOptions));
} catch (e) {
  // the pool terminates this worker
  post({ type: 'init-failed', message: e instanceof Error ? e.message : String(e) });
}
// The pool terminates a worker to abort it, so the stage's signal never fires here.
const never = new AbortController().signal;

port.on('message', (req: RunRequest) => {
  if (req.type !== 'run') return;
  void runStage(registry[req.instance.kind], req.instance, req.key, req.inputs, never, {
    dataRoot: boot.dataRoot,
    repoRoot: boot.repoRoot,
    offline: boot.offline,
    backend,
  }, {
    log: (line) => post({ type: 'log', runId: req.runId, line }),
    progress: (fraction, note) =>
      post({ type: 'progress', runId: req.runId, fraction, ...(note !== undefined ? { note } : {}) }),
  }).then((res) => {
    if (res.ok) post({ type: 'result', runId: req.runId, ok: true, value: res.value });
    else post({ type: 'result', runId: req.runId, ok: false, error: res.error });
  });
});
post({ type: 'ready', backend });
