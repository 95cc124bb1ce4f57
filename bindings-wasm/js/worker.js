// A module Web Worker hosting a LocalEngine: the client's decoding and verification run here,
// off the page's main thread. Messages: { id, op, args, progress } → { id, ok, value | error }
// and, when `progress` is set, { id, progress } updates.
import { LocalEngine } from './engine.js';

const engine = new LocalEngine();
const OPS = new Set(['ready', 'setMetadata', 'addSliver', 'decode', 'blobIdOfBytes', 'blobIdOfFile', 'encodeFile', 'sliverPair', 'sliverBatch', 'memoryBytes']);
const WITH_PROGRESS = new Set(['blobIdOfBytes', 'blobIdOfFile', 'encodeFile']);

self.onmessage = async (e) => {
  const { id, op, args, progress } = e.data;
  try {
    if (!OPS.has(op)) throw new Error(`unknown operation ${op}`);
    const onProgress = progress ? (value) => self.postMessage({ id, progress: value }) : undefined;
    const value = WITH_PROGRESS.has(op) ? await engine[op](...args, onProgress) : await engine[op](...args);
    const bytes = value instanceof Uint8Array ? value : value?.data instanceof Uint8Array ? value.data : null;
    const transfer = bytes ? [bytes.buffer] : op === 'sliverPair' ? [value.primary.buffer, value.secondary.buffer] : [];
    self.postMessage({ id, ok: true, value }, transfer);
  } catch (err) {
    self.postMessage({ id, ok: false, error: { name: err?.name ?? 'Error', code: err?.code, message: String(err?.message ?? err) } });
  }
};
