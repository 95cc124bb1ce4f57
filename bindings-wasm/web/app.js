// The demo page: blob IDs of dropped files, verified downloads and stores, the codec always in a
// Web Worker; private blobs decrypted with keys from the network's key servers.
// `?chain=URL&relay=URL&aggregator=URL` prefill the network's addresses.
import { init, geometry } from '../js/index.js';
import { readFromAggregator, readFromNodes, blobIdOfFileOffThread, fetchCommittee } from '../js/client.js';
import { Account, storeFile } from '../js/store.js';
import { checkWalrusCertificate } from '../js/walrus.js';
import { AccessDeniedError, keyServers, privateBlobInfo, decryptPrivateBlob } from '../js/private.js';

const $ = (id) => document.getElementById(id);
const fmt = (n) => Number(n).toLocaleString('en-US');
const bytes = (n) => (n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`);

function showError(box, err) {
  box.hidden = false;
  box.textContent = err?.name === 'AbortError' || err?.code === 'ABORTED' ? 'Cancelled.' : `${err?.code ?? err?.name ?? 'Error'}: ${err?.message ?? err}`;
  box.dataset.code = err?.code ?? err?.name ?? '';
}

/** Fills `table` with two-column `rows` ([label, value]), as text. */
function fillTable(table, rows) {
  table.replaceChildren(
    ...rows.map(([k, v]) => {
      const tr = document.createElement('tr');
      tr.innerHTML = '<td></td><td></td>';
      tr.children[0].textContent = k;
      tr.children[1].textContent = v;
      return tr;
    }),
  );
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
    fillTable($('file-geometry'), rows);
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

// ---- 3. Store a file

let storeAbort = null;
const params = new URLSearchParams(location.search);
if (params.get('chain')) $('store-chain').value = params.get('chain');
if (params.get('relay')) $('store-relay').value = params.get('relay');
if (params.get('aggregator')) $('read-url').value = params.get('aggregator');

function modeChanged() {
  const relay = $('store-mode').value === 'relay';
  $('store-relay').disabled = !relay;
  $('store-relay-label').style.opacity = relay ? 1 : 0.5;
}
$('store-mode').addEventListener('change', modeChanged);
modeChanged();

async function accountOfSeed() {
  const seed = $('store-seed').value.trim();
  if (!/^(0x)?[0-9a-fA-F]{64}$/.test(seed)) {
    const err = new Error('the account seed is 64 hex digits (a key file of morsa account new, or New account)');
    err.code = 'INVALID_ARGUMENT';
    throw err;
  }
  const account = await Account.fromSeed(seed);
  $('store-address').textContent = `account ${account.address}`;
  return account;
}

$('store-new-account').addEventListener('click', async () => {
  const account = await Account.generate();
  $('store-seed').value = account.seedHex;
  $('store-address').textContent = `account ${account.address}: fund it with  morsa devnet fund ${account.address}`;
});
$('store-seed').addEventListener('change', () => accountOfSeed().catch(() => ($('store-address').textContent = '')));

const PHASES = { hash: 'blob ID', encode: 'encoding', register: 'registering and paying', upload: 'uploading', certify: 'certifying', read: 'reading', done: 'done' };

$('store-go').addEventListener('click', async () => {
  storeAbort?.abort();
  const abort = (storeAbort = new AbortController());
  for (const id of ['store-ok', 'store-error']) $(id).hidden = true;
  delete $('store-status').dataset.phase;
  $('store-go').disabled = true;
  $('store-cancel').disabled = false;
  const started = performance.now();
  try {
    const file = $('store-file').files[0];
    if (!file) {
      const err = new Error('choose a file to store');
      err.code = 'INVALID_ARGUMENT';
      throw err;
    }
    const account = await accountOfSeed();
    const relay = $('store-mode').value === 'relay';
    const bar = $('store-progress');
    const result = await storeFile(file, {
      chainUrl: $('store-chain').value.trim(),
      relayUrl: relay ? $('store-relay').value.trim() : undefined,
      account,
      epochs: Number($('store-epochs').value),
      deletable: $('store-deletable').checked,
      signal: abort.signal,
      onProgress: ({ phase, loaded, total }) => {
        bar.hidden = false;
        bar.value = total ? loaded / total : 0;
        $('store-status').dataset.phase = phase;
        $('store-status').textContent = total > 1 ? `${PHASES[phase] ?? phase}: ${bytes(loaded)} of ${bytes(total)}` : `${PHASES[phase] ?? phase}…`;
      },
    });
    $('store-blob-id').textContent = result.blobId;
    const rows = [
      ['file', `${file.name} (${fmt(file.size)} bytes)`],
      ['sent', result.mode === 'relay' ? 'through the upload relay (certificate verified here)' : 'directly to the storage nodes'],
      ['blob object', `${result.blobObject.id}${result.blobObject.deletable ? ' (deletable)' : ''}`],
      ['certified', result.certified ? `epoch ${result.blobObject.certifiedEpoch}, ${result.weight} of ${result.metadata.nShards} shards signed` : 'already certified: nothing uploaded'],
      ['paid', `${fmt(result.cost)} FROST`],
      ['WebAssembly memory', bytes(result.wasmMemoryBytes)],
      ['took', `${((performance.now() - started) / 1000).toFixed(2)} s`],
    ];
    fillTable($('store-details'), rows);
    $('store-ok').hidden = false;
    $('store-ok').dataset.wasmMemory = String(result.wasmMemoryBytes);
    $('store-status').textContent = 'done';
  } catch (err) {
    showError($('store-error'), err);
    $('store-status').textContent = '';
  } finally {
    $('store-go').disabled = false;
    $('store-cancel').disabled = true;
    $('store-progress').hidden = true;
  }
});
$('store-cancel').addEventListener('click', () => storeAbort?.abort());
$('store-read').addEventListener('click', () => {
  $('read-blob-id').value = $('store-blob-id').textContent;
  $('read-source').value = 'nodes';
  sourceChanged();
  $('read-url').value = $('store-chain').value;
  $('read-section').scrollIntoView();
});

// ---- 4. Verify a Walrus certificate

$('cert-go').addEventListener('click', async () => {
  for (const id of ['cert-ok', 'cert-error']) $(id).hidden = true;
  try {
    let committee, certificate;
    try {
      committee = JSON.parse($('cert-committee').value);
      certificate = JSON.parse($('cert-json').value);
    } catch (e) {
      const err = new Error(`not JSON: ${e.message}`);
      err.code = 'INVALID_ARGUMENT';
      throw err;
    }
    const verdict = await checkWalrusCertificate(certificate, committee);
    if (verdict.accepted) {
      const what = verdict.kind === 'confirmation' ? 'certifies' : 'declares invalid';
      $('cert-ok').textContent = `Accepted by Walrus's rules: ${what} blob ${verdict.blobId} in epoch ${verdict.epoch}; ${verdict.nSigners} signers hold ${verdict.signerWeight} of ${verdict.nShards} shards.`;
      $('cert-ok').hidden = false;
    } else {
      showError($('cert-error'), { code: verdict.code, message: `refused: ${verdict.reason}` });
    }
  } catch (err) {
    showError($('cert-error'), err);
  }
});

// ---- 5. Private blobs

const PRIVATE_SEED_KEY = 'morsa.private.account-seed';
let privateAccount = null;
let privateAbort = null;
let privateUrl = null;
if (params.get('chain')) $('private-chain').value = params.get('chain');
if (params.get('aggregator')) $('private-aggregator').value = params.get('aggregator');

function storage() {
  try {
    return window.localStorage;
  } catch {
    return null; // storage blocked: the account lives as long as the page
  }
}

/** The page's account: its seed kept in localStorage, a new one when there is none (or `fresh`). */
async function loadPrivateAccount(fresh = false) {
  const saved = fresh ? null : storage()?.getItem(PRIVATE_SEED_KEY);
  let account;
  if (saved && /^[0-9a-f]{64}$/.test(saved)) account = await Account.fromSeed(saved);
  else {
    account = await Account.generate();
    storage()?.setItem(PRIVATE_SEED_KEY, account.seedHex);
  }
  privateAccount = account;
  $('private-address').textContent = account.address;
  $('private-address').dataset.address = account.address;
  return account;
}

function privateSourceChanged() {
  const aggregator = $('private-source').value === 'aggregator';
  $('private-aggregator').disabled = !aggregator;
  $('private-aggregator-label').style.opacity = aggregator ? 1 : 0.5;
}
$('private-source').addEventListener('change', privateSourceChanged);
privateSourceChanged();

function showPrivateError(err, info) {
  const box = $('private-error');
  box.hidden = false;
  box.dataset.code = err?.code ?? err?.name ?? '';
  box.dataset.reason = err?.reason ?? '';
  const cancelled = err?.name === 'AbortError' || err?.code === 'ABORTED';
  $('private-error-title').textContent = cancelled ? 'Cancelled.' : err instanceof AccessDeniedError ? `Access denied: ${err.reason}` : `${err?.code ?? err?.name ?? 'Error'}`;
  $('private-error-message').textContent = cancelled ? '' : err?.message ?? String(err);
  const hint = $('private-error-hint');
  hint.replaceChildren();
  if (err instanceof AccessDeniedError && ['NOT_A_MEMBER', 'NOT_OWNER'].includes(err.reason) && info?.policyId) {
    const code = document.createElement('code');
    code.textContent = `morsa policy add ${info.policyId} ${privateAccount.address}`;
    hint.append(err.reason === 'NOT_A_MEMBER' ? "The policy's owner can add this page's account: " : 'Only the owner can read it. ', ...(err.reason === 'NOT_A_MEMBER' ? [code] : []));
  } else if (err?.failures?.length) {
    hint.textContent = err.failures.join('; ');
  }
}

$('private-new-account').addEventListener('click', () => loadPrivateAccount(true));

$('private-go').addEventListener('click', async () => {
  privateAbort?.abort();
  const abort = (privateAbort = new AbortController());
  const signal = abort.signal;
  for (const id of ['private-ok', 'private-error', 'private-save', 'private-text']) $(id).hidden = true;
  if (privateUrl) URL.revokeObjectURL(privateUrl);
  $('private-go').disabled = true;
  $('private-cancel').disabled = false;
  const started = performance.now();
  const status = $('private-status');
  let info;
  try {
    const blobId = $('private-blob-id').value.trim();
    const chainUrl = $('private-chain').value.trim();
    const account = privateAccount ?? (await loadPrivateAccount());
    const servers = await keyServers(chainUrl, { signal });
    const onProgress = progress($('private-progress'), status);
    const read =
      $('private-source').value === 'aggregator'
        ? await readFromAggregator(blobId, $('private-aggregator').value.trim(), { signal, onProgress, nShards: (await fetchCommittee(chainUrl, { signal })).nShards })
        : await readFromNodes(blobId, { chainUrl, signal, onProgress });
    info = privateBlobInfo(read.data);
    status.textContent = `asking ${info.services.length} key servers for the key (${info.threshold} needed)…`;
    let keys = [];
    const data = await decryptPrivateBlob(read.data, { account, keyServers: servers, signal, onKeys: (k) => (keys = k) });
    $('private-summary').textContent = `Decrypted ${fmt(data.length)} bytes of ${blobId}.`;
    const rows = [
      ['policy', info.policyId ?? '(not a Morsa policy identity)'],
      ['keys from', `${keys.map((k) => k.server).join(', ')} (${info.threshold} of ${info.services.length} key servers needed, each key verified)`],
      ['encrypted blob', `${fmt(read.data.length)} bytes${info.chunks > 1 ? ` in ${info.chunks} chunks` : ''}, ${read.axis ? 'every sliver verified' : 'blob ID recomputed'}`],
      ['reader account', account.address],
      ['took', `${((performance.now() - started) / 1000).toFixed(2)} s`],
    ];
    fillTable($('private-details'), rows);
    let text = null;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(data.subarray(0, 64 * 1024));
    } catch {
      // binary (or a multi-byte character cut at 64 KiB): a download only
    }
    if (text !== null && !/[\u0000-\u0008\u000e-\u001f]/.test(text)) {
      $('private-text').textContent = data.length > 64 * 1024 ? `${text}\n… (${fmt(data.length - 64 * 1024)} more bytes: save the file)` : text;
      $('private-text').hidden = false;
    }
    privateUrl = URL.createObjectURL(new Blob([data]));
    const save = $('private-save');
    save.href = privateUrl;
    save.download = `${blobId}.decrypted`;
    save.hidden = false;
    $('private-ok').hidden = false;
    status.textContent = 'done';
  } catch (err) {
    showPrivateError(err, info);
    status.textContent = '';
  } finally {
    $('private-go').disabled = false;
    $('private-cancel').disabled = true;
    $('private-progress').hidden = true;
  }
});
$('private-cancel').addEventListener('click', () => privateAbort?.abort());

await init();
await loadPrivateAccount();
document.body.dataset.ready = 'true';
