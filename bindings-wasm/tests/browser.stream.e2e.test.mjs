// The demo page (bindings-wasm/web/) in headless Chromium: a File's blob ID computed in a Web
// Worker, read with FileReaderSync in byte stripes (bounded memory), equals computeMetadata of
// the same bytes on the page. Needs only Chromium (no devnet); skipped without it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';

import { serve } from '../web/serve.mjs';

const CHROMIUM = process.env.MORSA_CHROMIUM ?? '/usr/bin/chromium';
const missing = !existsSync(CHROMIUM) ? `no Chromium at ${CHROMIUM}` : false;

let web, browser, page;

before(async () => {
  if (missing) return;
  web = await serve(0);
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage();
  page.on('pageerror', (err) => console.error('page error:', err));
  await page.goto(`${web.url}/web/`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
});

after(async () => {
  await browser?.close();
  web?.server.close();
});

test('a File read in stripes in a worker gets the blob ID of its bytes', { skip: missing }, async () => {
  const result = await page.evaluate(async () => {
    const { computeMetadata } = await import('/js/index.js');
    const { blobIdOfFileOffThread } = await import('/js/client.js');
    const size = (3 << 20) + 12345;
    const bytes = new Uint8Array(size);
    let x = 0x2545f491;
    for (let i = 0; i < size; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      bytes[i] = x & 0xff;
    }
    const file = new File([bytes], 'random.bin');
    const phases = new Set();
    let last = 0;
    // 100 shards: 34 × 67 symbols of 1384 bytes; a 1 MiB budget makes 11 stripes.
    const inWorker = await blobIdOfFileOffThread(file, {
      nShards: 100,
      budgetBytes: 1 << 20,
      onProgress: (p) => {
        phases.add(p.phase);
        last = p.loaded / p.total;
      },
    });
    const m = computeMetadata(bytes, 100);
    const onPage = m.blobId;
    m.free();
    return { inWorker: inWorker.blobId, onPage, phases: [...phases], last, length: inWorker.unencodedLength };
  });
  assert.equal(result.inWorker, result.onPage);
  assert.equal(result.length, (3 << 20) + 12345);
  assert.deepEqual(result.phases, ['hash']);
  assert.equal(result.last, 1);
});
