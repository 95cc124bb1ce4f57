// BLS12-381 verification timings in WebAssembly, Morsa's against the official
// @mysten/walrus-wasm in the same run: one signature, and the aggregate of a certificate whose
// signers are N members (a 1000-shard committee has about 100).
//
// Usage: node bindings-wasm/bench/bls.mjs [--signers N] [--runs N]
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';

import * as official from '@mysten/walrus-wasm';
import { init, BlsSigningKey, blsAggregate, blsVerify, blsVerifyAggregate } from '../js/index.js';

const { values } = parseArgs({ options: { signers: { type: 'string', default: '100' }, runs: { type: 'string', default: '20' } } });
const signers = Number(values.signers);
const runs = Number(values.runs);
await init();
const keys = Array.from({ length: signers }, () => BlsSigningKey.fromIkm(randomBytes(32)));
const pks = keys.map((k) => k.publicKey);
const message = randomBytes(72);
const sigs = keys.map((k) => k.sign(message));
const aggregate = blsAggregate(sigs);

function time(fn) {
  fn(); // warm
  const t = performance.now();
  for (let i = 0; i < runs; i++) if (!fn()) throw new Error('did not verify');
  return (performance.now() - t) / runs;
}

const rows = [
  ['verify one signature', () => blsVerify(sigs[0], pks[0], message), () => official.bls12381_min_pk_verify(sigs[0], pks[0], message)],
  [`verify an aggregate of ${signers}`, () => blsVerifyAggregate(pks, message, aggregate), () => official.bls12381_min_pk_verify_aggregate(pks, message, aggregate)],
  [`aggregate ${signers} signatures`, () => blsAggregate(sigs).length === 96, () => official.bls12381_min_pk_aggregate(sigs).length === 96],
];
console.log(`BLS12-381 in WebAssembly (Node ${process.versions.node}), mean of ${runs} runs, ms`);
console.log('operation'.padEnd(34), 'morsa-wasm'.padStart(11), '@mysten/walrus-wasm'.padStart(20));
for (const [name, ours, theirs] of rows) {
  console.log(name.padEnd(34), time(ours).toFixed(2).padStart(11), time(theirs).toFixed(2).padStart(20));
}
