// The fetch() client in Node, against in-process fake storage nodes and aggregators built from
// the core's own encoder: verification of every sliver, fallbacks, progress in bytes,
// cancellation with AbortSignal, and rejection of tampered answers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';

import * as morsa from '../js/index.js';
import { readFromNodes, readFromAggregator, fetchCommittee } from '../js/client.js';

const N = 10;
const data = Uint8Array.from({ length: 40_000 }, (_, i) => (i * 2654435761) >>> 24);
let encoded, blobId, servers = [], nodes, badNode, aggregator, slowAggregator;
const requests = [];

function listen(handler) {
  const server = createServer(handler);
  servers.push(server);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${server.address().port}`)));
}

before(async () => {
  await morsa.init();
  encoded = morsa.encode(data, N);
  blobId = encoded.blobId;
  const metadata = encoded.metadata;
  // Two nodes of 5 shards each; node 1 corrupts every primary sliver it serves.
  const fakeNode = (held, corruptPrimary) =>
    listen((req, res) => {
      requests.push(req.url);
      const m = req.url.match(/^\/v1\/blobs\/([^/]+)\/(metadata|slivers\/(\d+)\/(primary|secondary))$/);
      if (!m || m[1] !== blobId) return res.writeHead(404).end('not found');
      if (m[2] === 'metadata') return res.end(metadata.toBytes());
      const pair = Number(m[3]);
      if (!held.includes(metadata.shardForPair(pair))) return res.writeHead(404).end('not my shard');
      const bytes = encoded.sliver(m[4], metadata.sliverIndex(m[4], pair)).toBytes();
      if (corruptPrimary && m[4] === 'primary') bytes[bytes.length - 10] ^= 1;
      res.end(bytes);
    });
  const all = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  nodes = [
    { url: await fakeNode(all.slice(0, 5), false), shards: all.slice(0, 5) },
    { url: await fakeNode(all.slice(5), true), shards: all.slice(5) },
  ];
  badNode = { url: await fakeNode(all, true), shards: all };
  aggregator = await listen((req, res) => {
    const tamper = req.url.startsWith('/tampered');
    const body = Uint8Array.from(data);
    if (tamper) body[7] ^= 1;
    res.writeHead(200, { 'content-length': body.length }).end(body);
  });
  slowAggregator = await listen((req, res) => {
    res.writeHead(200, { 'content-length': data.length });
    let offset = 0;
    const timer = setInterval(() => {
      if (offset >= data.length || res.destroyed) return clearInterval(timer);
      res.write(data.subarray(offset, offset + 1000));
      offset += 1000;
    }, 20);
    req.on('close', () => clearInterval(timer));
  });
});

after(() => {
  for (const s of servers) s.close();
  servers = [];
});

test('reads from storage nodes: invalid slivers are skipped, the blob decodes verified', async () => {
  const events = [];
  const result = await readFromNodes(blobId, { nodes, nShards: N, worker: false, onProgress: (e) => events.push(e) });
  assert.deepEqual(result.data, data);
  // p = 4 primary slivers are needed but only 5 honest ones exist among 10; corrupted ones
  // are reported and do not count.
  assert.equal(result.axis, 'primary');
  for (const bad of result.invalidSlivers) assert.match(bad.reason, /does not match the metadata/);
  const slivers = events.filter((e) => e.phase === 'slivers');
  assert.ok(slivers.length >= 4);
  assert.equal(slivers.at(-1).loaded, slivers.at(-1).total);
  assert.equal(slivers.at(-1).total, 4 * encoded.metadata.config.sliverSize('primary', data.length));
  assert.deepEqual(events.at(-1), { phase: 'done', loaded: data.length, total: data.length });
});

test('falls back to secondary slivers when too few primary ones verify', async () => {
  const result = await readFromNodes(blobId, { nodes: [badNode], nShards: N, worker: false, concurrency: 2 });
  assert.equal(result.axis, 'secondary');
  assert.deepEqual(result.data, data);
  assert.equal(result.invalidSlivers.length, N);
});

test('wrong blob IDs and unknown blobs are clear errors', async () => {
  await assert.rejects(readFromNodes('nope', { nodes, nShards: N, worker: false }), { code: 'INVALID_BLOB_ID' });
  const other = morsa.blobId(new Uint8Array(3), N);
  await assert.rejects(readFromNodes(other, { nodes, nShards: N, worker: false }), { code: 'NOT_FOUND' });
  await assert.rejects(readFromNodes(blobId, { worker: false }), { code: 'INVALID_ARGUMENT' });
  await assert.rejects(fetchCommittee('http://127.0.0.1:9'), { code: 'NETWORK' });
});

test('an aggregator answer is accepted only with the right blob ID', async () => {
  const events = [];
  const ok = await readFromAggregator(blobId, aggregator, { nShards: N, worker: false, onProgress: (e) => events.push(e) });
  assert.deepEqual(ok.data, data);
  assert.ok(events.some((e) => e.phase === 'download' && e.loaded === data.length && e.total === data.length));
  assert.ok(events.some((e) => e.phase === 'verify'));
  await assert.rejects(readFromAggregator(blobId, `${aggregator}/tampered`, { nShards: N, worker: false }), {
    code: 'VERIFICATION',
    message: /rejected/,
  });
  // The same bytes under another shard count have another blob ID: also rejected.
  await assert.rejects(readFromAggregator(blobId, aggregator, { nShards: 100, worker: false }), { code: 'VERIFICATION' });
});

test('an AbortSignal cancels a download in progress', async () => {
  const abort = new AbortController();
  const seen = [];
  const pending = readFromAggregator(blobId, slowAggregator, {
    nShards: N,
    worker: false,
    signal: abort.signal,
    onProgress: (e) => {
      seen.push(e.loaded);
      if (e.loaded >= 5000) abort.abort();
    },
  });
  await assert.rejects(pending, (err) => err.name === 'AbortError');
  assert.ok(seen.at(-1) < data.length, 'stopped before the end');
  const already = new AbortController();
  already.abort();
  await assert.rejects(readFromNodes(blobId, { nodes, nShards: N, worker: false, signal: already.signal }), (err) => err.name === 'AbortError');
});
