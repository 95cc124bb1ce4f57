// End-to-end: the demo page's section 4 in headless Chromium verifies a Walrus certificate
// (BLS12-381 signatures of Morsa keys, aggregated by the official @mysten/walrus-wasm) against a
// committee given in Walrus's shape, and refuses one whose signers lack a quorum, saying why.
// Screenshots go to bindings-wasm/test-artifacts/. Skipped without Chromium.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import * as official from '@mysten/walrus-wasm';
import { init, BlsSigningKey, blobId as blobIdOf, storageConfirmationBytes } from '../js/index.js';
import { serve } from '../web/serve.mjs';

const CHROMIUM = process.env.MORSA_CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../test-artifacts/', import.meta.url));
const missing = !existsSync(CHROMIUM) ? `no Chromium at ${CHROMIUM}` : false;

let web, browser, page;

before(async () => {
  if (missing) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  web = await serve(0);
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
  page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
  await page.goto(`${web.url}/web/`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
});

after(async () => {
  await browser?.close();
  web?.server.close();
});

test('the demo verifies a Walrus BLS certificate and refuses one without a quorum', { skip: missing }, async () => {
  await init();
  const weights = [40, 30, 20, 10];
  const keys = weights.map(() => BlsSigningKey.fromIkm(randomBytes(32)));
  let first = 0;
  const committee = {
    epoch: 3,
    members: keys.map((k, i) => {
      const m = { name: `node-${i}`, public_key: Buffer.from(k.publicKey).toString('base64'), shard_ids: Array.from({ length: weights[i] }, (_, j) => first + j) };
      first += weights[i];
      return m;
    }),
  };
  const blobId = blobIdOf(randomBytes(64), 10);
  const message = storageConfirmationBytes(3, blobId);
  const certificate = (who) => ({
    signers: who,
    serialized_message: Array.from(message),
    signature: Buffer.from(official.bls12381_min_pk_aggregate(who.map((i) => keys[i].sign(message)))).toString('base64'),
  });
  const check = async (cert) => {
    await page.fill('#cert-committee', JSON.stringify(committee));
    await page.fill('#cert-json', JSON.stringify(cert));
    await page.click('#cert-go');
    await page.waitForSelector('#cert-ok:not([hidden]), #cert-error:not([hidden])');
  };
  await check(certificate([0, 1]));
  await page.locator('#cert-section').screenshot({ path: join(ARTIFACTS, '9-walrus-certificate-accepted.png') });
  assert.match(await page.textContent('#cert-ok'), new RegExp(`Accepted.*${blobId}.*2 signers hold 70 of 100 shards`));
  await check(certificate([1, 2, 3]));
  await page.locator('#cert-section').screenshot({ path: join(ARTIFACTS, '10-walrus-certificate-refused.png') });
  assert.equal(await page.isVisible('#cert-ok'), false);
  assert.match(await page.textContent('#cert-error'), /hold 60 of 100 shards, 67 are needed/);
});
