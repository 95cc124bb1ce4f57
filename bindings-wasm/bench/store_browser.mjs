// A file of N MiB stored from headless Chromium through an upload relay (the demo page's
// storeFile), on a fresh devnet: each phase's wall time, the worker's WebAssembly memory, the
// page's JS heap, and the relay's peak RSS. Stops its devnet and relay at the end.
//
// Usage: node bindings-wasm/bench/store_browser.mjs [--size MiB] [--nodes N] [--n-shards N]
//        [--mode relay|direct] [--no-worker]   (--no-worker: the codec on the page's thread)
// Needs Chromium (MORSA_CHROMIUM, default /usr/bin/chromium) and the project's .venv.
import { execFileSync, spawn } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { mkdtempSync, openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

import { serve } from '../web/serve.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PYTHON = join(process.env.VIRTUAL_ENV ?? join(ROOT, '.venv'), 'bin/python');
const CHROMIUM = process.env.MORSA_CHROMIUM ?? '/usr/bin/chromium';
const { values: args } = parseArgs({
  options: {
    size: { type: 'string', default: '100' },
    nodes: { type: 'string', default: '10' },
    'n-shards': { type: 'string', default: '1000' },
    mode: { type: 'string', default: 'relay' },
    'no-worker': { type: 'boolean', default: false },
  },
});
const MiB = 1 << 20;
const size = Number(args.size) * MiB;
const morsa = (...a) => execFileSync(PYTHON, ['-m', 'morsa', ...a], { encoding: 'utf8', cwd: ROOT, timeout: 300_000 });

function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const peakRssMiB = (pid) => Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmHWM:\s+(\d+)/)[1]) / 1024;

const work = mkdtempSync(join(tmpdir(), 'morsa-store-bench-'));
let relay, browser, web;
try {
  console.error(`devnet: ${args.nodes} nodes, ${args['n-shards']} shards`);
  morsa('devnet', 'up', '--nodes', args.nodes, '--n-shards', args['n-shards'], '--dir', join(work, 'devnet'), '--epoch-duration', '0');
  const state = JSON.parse(readFileSync(join(work, 'devnet', 'devnet.json'), 'utf8'));
  const seed = readFileSync(state.account_key, 'utf8').trim();
  const port = await freePort();
  const relayUrl = `http://127.0.0.1:${port}`;
  relay = spawn(PYTHON, ['-m', 'morsa', 'daemon', 'run', '--chain', state.chain.url, '--port', String(port), '--max-body-size', String(Number(args.size) * 1024 + 1024), '--cache-size', '0', '--cache-dir', join(work, 'cache')], { stdio: 'ignore' });
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${relayUrl}/status`)).ok) break;
    } catch {
      if (i > 300) throw new Error('the relay did not start');
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  // The file, on disk as a user's would be.
  const path = join(work, 'file.bin');
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(8 * MiB);
  for (let done = 0; done < size; done += chunk.length) writeSync(fd, randomFillSync(chunk), 0, Math.min(chunk.length, size - done));
  closeSync(fd);

  web = await serve(0);
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
  const page = await browser.newPage();
  await page.goto(`${web.url}/web/`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
  await page.setInputFiles('#store-file', path);
  console.error(`storing ${args.size} MiB from Chromium (${args.mode})`);
  const out = await page.evaluate(
    async ({ seed, chainUrl, relayUrl, worker }) => {
      const { Account, storeFile } = await import('../js/store.js');
      const phases = [{ phase: 'start', at: 0 }]; // committee, worker, module
      const t0 = performance.now();
      const result = await storeFile(document.getElementById('store-file').files[0], {
        chainUrl,
        relayUrl,
        account: await Account.fromSeed(seed),
        worker,
        onProgress: ({ phase }) => {
          if (phases.at(-1)?.phase !== phase) phases.push({ phase, at: performance.now() - t0 });
        },
      });
      const total = performance.now() - t0;
      return { blobId: result.blobId, weight: result.weight, nShards: result.metadata.nShards, wasm: result.wasmMemoryBytes, phases, total, heap: performance.memory?.usedJSHeapSize ?? null };
    },
    { seed, chainUrl: state.chain.url, relayUrl: args.mode === 'relay' ? relayUrl : undefined, worker: args['no-worker'] ? false : undefined },
  );
  const expected = morsa('blob-id', path, '--n-shards', args['n-shards'], '--no-progress').split(/\s+/)[0];
  const status = JSON.parse(morsa('blob-status', out.blobId, '--devnet', join(work, 'devnet'), '--json'));
  console.log(`${args.size} MiB from headless Chromium (${args.mode}), ${args.nodes} nodes, ${args['n-shards']} shards`);
  out.phases.forEach((p, i) => {
    const end = out.phases[i + 1]?.at ?? out.total;
    console.log(`  ${p.phase.padEnd(9)} ${((end - p.at) / 1000).toFixed(2).padStart(7)} s`);
  });
  console.log(`  total     ${(out.total / 1000).toFixed(2).padStart(7)} s`);
  console.log(`  worker WebAssembly memory: ${(out.wasm / MiB).toFixed(0)} MiB (target <= 512)`);
  if (out.heap != null) console.log(`  page JS heap in use: ${(out.heap / MiB).toFixed(0)} MiB`);
  if (args.mode === 'relay') console.log(`  relay peak RSS: ${peakRssMiB(relay.pid).toFixed(0)} MiB`);
  if (args.mode === 'direct') {
    // The same size stored by the Python client in the same devnet, for comparison.
    const other = join(work, 'other.bin');
    const fd2 = openSync(other, 'w');
    for (let done = 0; done < size; done += chunk.length) writeSync(fd2, randomFillSync(chunk), 0, Math.min(chunk.length, size - done));
    closeSync(fd2);
    const t = performance.now();
    morsa('store', other, '--devnet', join(work, 'devnet'), '--no-progress');
    console.log(`  (morsa store, the Python client, same size and devnet: ${((performance.now() - t) / 1000).toFixed(2)} s, process start included)`);
  }
  console.log(`  blob ID ${out.blobId} (CLI: ${out.blobId === expected ? 'same' : expected}), ${status.status}, certificate weight ${out.weight}/${out.nShards}`);
} finally {
  await browser?.close();
  web?.server.close();
  relay?.kill();
  try {
    morsa('devnet', 'down', '--dir', join(work, 'devnet'));
  } catch {
    // already down
  }
  rmSync(work, { recursive: true, force: true });
}
