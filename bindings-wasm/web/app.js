// The demo page: blob IDs of dropped files and verified downloads, all in a Web Worker.
import { init, geometry } from '../js/index.js';
import { readFromAggregator, readFromNodes, blobIdOfFileOffThread } from '../js/client.js';

const $ = (id) => document.getElementById(id);
const fmt = (n) => Number(n).toLocaleString('en-US');
const bytes = (n) => (n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`);

function showError(box, err) {
  box.hidden = false;
  box.textContent = err?.name === 'AbortError' || err?.code === 'ABORTED' ? 'Cancelled.' : `${err?.code ?? err?.name ?? 'Error'}: ${err?.message ?? err}`;
  box.dataset.code = err?.code ?? err?.name ?? '';
}

function progress(bar, status) {
  return ({ phase, loaded, total }) => {
    bar.hidden = false;
    bar.value = total ? loaded / total : 0;
    status.textContent = `${phase}: ${bytes(loaded)} of ${bytes(total)}`;
  };
}

// ---- 1. Blob ID of a file

let fileAbort = null;

async function blobIdOf(file) {
  fileAbort?.abort();
  const abort = (fileAbort = new AbortController());
  $('file-result').hidden = true;
  $('file-error').hidden = true;
  $('file-cancel').disabled = false;
  $('file-status').textContent = `${file.name}: ${bytes(file.size)}`;
  const nShards = Number($('file-shards').value);
  const started = performance.now();
  try {
    const m = await blobIdOfFileOffThread(file, { nShards, signal: abort.signal, onProgress: progress($('file-progress'), $('file-status')) });
    const g = await geometry(file.size, nShards);
    $('file-blob-id').textContent = m.blobId;
    const rows = [
      ['file', `${file.name} (${fmt(file.size)} bytes)`],
      ['shards n / faulty f', `${g.nShards} / ${g.maxFaulty}`],
      ['source symbols p × s', `${g.primarySourceSymbols} × ${g.secondarySourceSymbols}`],
      ['symbol size', `${fmt(g.symbolSize)} bytes`],
      ['primary / secondary sliver', `${fmt(g.primarySliverSize)} / ${fmt(g.secondarySliverSize)} bytes`],
      ['encoded length (charged)', `${fmt(g.encodedLength)} bytes`],
      ['computed in', `${((performance.now() - started) / 1000).toFixed(2)} s`],
    ];
    $('file-geometry').replaceChildren(
      ...rows.map(([k, v]) => {
        const tr = document.createElement('tr');
        tr.innerHTML = '<td></td><td></td>';
        tr.children[0].textContent = k;
        tr.children[1].textContent = v;
        return tr;
      }),
    );
    $('file-result').hidden = false;
    $('file-status').textContent = 'done';
  } catch (err) {
    showError($('file-error'), err);
    $('file-status').textContent = '';
  } finally {
    $('file-cancel').disabled = true;
    $('file-progress').hidden = true;
  }
}

const drop = $('drop');
drop.addEventListener('click', () => $('file-input').click());
drop.addEventListener('keydown', (e) => (e.key === 'Enter' || e.key === ' ') && $('file-input').click());
$('file-input').addEventListener('change', (e) => e.target.files[0] && blobIdOf(e.target.files[0]));
drop.addEventListener('dragover', (e) => {
  e.preventDefault();
  drop.classList.add('over');
});
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  const file = e.dataTransfer.files[0];
  if (file) blobIdOf(file);
});
$('file-cancel').addEventListener('click', () => fileAbort?.abort());

// ---- 2. Download and verify

let readAbort = null;
let savedUrl = null;

function sourceChanged() {
  const nodes = $('read-source').value === 'nodes';
  $('read-url-label').textContent = nodes ? 'Devnet control-plane URL (morsa devnet status: chain_url)' : 'Aggregator URL';
  $('read-shards').disabled = nodes;
}
$('read-source').addEventListener('change', sourceChanged);
sourceChanged();

$('read-go').addEventListener('click', async () => {
  readAbort?.abort();
  const abort = (readAbort = new AbortController());
  for (const id of ['read-ok', 'read-error', 'read-save']) $(id).hidden = true;
  if (savedUrl) URL.revokeObjectURL(savedUrl);
  $('read-go').disabled = true;
  $('read-cancel').disabled = false;
  const blobId = $('read-blob-id').value.trim();
  const url = $('read-url').value.trim();
  const options = { signal: abort.signal, onProgress: progress($('read-progress'), $('read-status')) };
  try {
    const result =
      $('read-source').value === 'nodes'
        ? await readFromNodes(blobId, { ...options, chainUrl: url })
        : await readFromAggregator(blobId, url, { ...options, nShards: Number($('read-shards').value) });
    const how = result.axis ? `decoded from ${result.axis} slivers, each verified` : 'blob ID recomputed and matched';
    $('read-ok').hidden = false;
    $('read-ok').textContent = `Verified ${fmt(result.data.length)} bytes of ${blobId} (${how}).`;
    savedUrl = URL.createObjectURL(new Blob([result.data]));
    const save = $('read-save');
    save.href = savedUrl;
    save.download = `${blobId}.bin`;
    save.hidden = false;
    $('read-status').textContent = 'done';
  } catch (err) {
    showError($('read-error'), err);
    $('read-status').textContent = '';
  } finally {
    $('read-go').disabled = false;
    $('read-cancel').disabled = true;
    $('read-progress').hidden = true;
  }
});
$('read-cancel').addEventListener('click', () => readAbort?.abort());

await init();
document.body.dataset.ready = 'true';
