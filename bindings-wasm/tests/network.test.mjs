// The economy state machine (Network, REWARDS.md §1–§5) in WebAssembly: its results are plain
// objects (bigint FROST), its errors MorsaError with code REWARDS and a reason, and the same
// script gives the same numbers as the Python package's Network (one core behind both).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

import * as morsa from '../js/index.js';

await morsa.init();

const WAL = 1_000_000_000n;
const id = (i) => '0x' + i.toString(16).padStart(64, '0');
const alice = '0x' + 'a1'.repeat(32);
const bob = '0x' + 'b0'.repeat(32);

// [operation, ...arguments]; both bindings run it op by op and record every result.
const SCRIPT = [
  ['register', id(1), 1000, 100000, 20000, 10 ** 12],
  ['register', id(2), 2500, 120000, 20000, 10 ** 12],
  ['register', id(3), 0, 90000, 25000, 10 ** 12],
  ['stake', alice, id(1), 300n * WAL],
  ['stake', alice, id(2), 200n * WAL],
  ['stake', bob, id(3), 100n * WAL],
  ['advance', 0],
  ['buy', 3_000_000, 4],
  ['stake', bob, id(3), 400n * WAL],
  ['vote', id(2), 150000],
  ['advance', 1000],
  ['buy', 15_000_000, 2],
  ['withdraw', alice, 2],
  ['advance', 2000],
  ['buy', 10, 1],
  ['advance', 3000],
  ['withdraw', alice, 2],
  ['advance', 4000],
];

function runJs() {
  const net = new morsa.Network(30, 10);
  const results = SCRIPT.map(([op, ...a]) => {
    switch (op) {
      case 'register': return net.registerNode(a[0], a[1], BigInt(a[2]), BigInt(a[3]), BigInt(a[4])) ?? null;
      case 'stake': return net.stake(a[0], a[1], a[2]);
      case 'advance': return net.advanceEpoch(BigInt(a[0]));
      case 'buy': return net.buyStorage(BigInt(a[0]), a[1]);
      case 'vote': return net.vote(a[0], BigInt(a[1])) ?? null;
      case 'withdraw': return net.withdraw(a[0], BigInt(a[1]));
    }
    throw new Error(op);
  });
  return { results, nodes: net.nodes(), stakes: net.stakes(), summary: net.summary() };
}

// Every number as a string, so that bigint, number and Python int compare alike.
function normal(v) {
  if (typeof v === 'bigint' || typeof v === 'number') return String(v);
  if (Array.isArray(v)) return v.map(normal);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normal(x)]));
  return v;
}

test('results are typed objects and conserve FROST', () => {
  const { results, nodes, stakes, summary } = runJs();
  const report = results[10];
  assert.equal(report.epoch, 2);
  assert.equal(typeof report.collected, 'bigint');
  assert.equal(report.burned + report.paid + report.leftover, report.collected);
  assert.equal(report.rewards.reduce((s, r) => s + r.reward, 0n), report.paid);
  const cost = results[7];
  assert.equal(cost.total, 4n * cost.storage_per_epoch + cost.write_fee);
  assert.deepEqual(results[12], { outcome: 'requested', withdraw_epoch: 3 }); // before voting_end: E + 1
  assert.equal(results[16].outcome, 'withdrawn');
  assert.ok(results[16].amount > 200n * WAL);
  assert.equal(nodes.reduce((s, n) => s + n.shards.length, 0), 30);
  assert.equal(stakes.length, 3); // alice's second stake was paid out
  assert.equal(summary.epoch, 5);
  assert.equal(summary.next_epoch_change_ms, null);
  // The prices of that epoch, back from the cost: blobCost agrees with the state machine.
  const blob = morsa.blobCost(cost.storage_per_epoch / cost.storage_units, cost.write_fee / cost.storage_units, 3_000_000n, 4, 30);
  assert.deepEqual(blob, cost);
});

test('errors carry code REWARDS and the reason, and change nothing', () => {
  const net = new morsa.Network(30, 10);
  net.registerNode(id(1), 0, 1n, 1n, 1n);
  const before = net.toBytes();
  for (const [call, reason] of [
    [() => net.stake(alice, id(9), WAL), 'NOT_FOUND'],
    [() => net.stake(alice, id(1), WAL - 1n), 'STAKE_TOO_SMALL'],
    [() => net.advanceEpoch(0n), 'NO_STAKE'],
    [() => net.withdraw(bob, 1n), 'NOT_FOUND'],
  ]) {
    assert.throws(call, (e) => e.name === 'MorsaError' && e.code === 'REWARDS' && e.reason === reason);
  }
  assert.deepEqual(net.toBytes(), before);
  assert.throws(() => net.stake('not an address', id(1), WAL), (e) => e.code === 'INVALID_ARGUMENT');
  assert.throws(() => morsa.Network.fromBytes(new Uint8Array([1, 2, 3])), (e) => e.code === 'INVALID_ARGUMENT');
  assert.deepEqual(morsa.Network.fromBytes(before).toBytes(), before);
});

const python = process.env.VIRTUAL_ENV
  ? `${process.env.VIRTUAL_ENV}/bin/python`
  : new URL('../../.venv/bin/python', import.meta.url).pathname;

test('the Python package gives the same numbers on the same script', { skip: !existsSync(python) && 'no .venv' }, () => {
  const script = `
import json, sys
from morsa.rewards import Network
net = Network(30, 10)
out = []
for op, *a in json.loads(sys.argv[1]):
    if op == "register": out.append(net.register_node(a[0], a[1], a[2], a[3], a[4]))
    elif op == "stake": out.append(net.stake(a[0], a[1], int(a[2])))
    elif op == "advance": out.append(net.advance_epoch(a[0]))
    elif op == "buy": out.append(net.buy_storage(a[0], a[1]))
    elif op == "vote": out.append(net.vote(a[0], storage_price=a[1]))
    elif op == "withdraw": out.append(net.withdraw(a[0], a[1]))
def normal(v):
    if isinstance(v, bool) or v is None: return v
    if isinstance(v, int): return str(v)
    if isinstance(v, (list, tuple)): return [normal(x) for x in v]
    if isinstance(v, dict): return {k: normal(x) for k, x in v.items()}
    return v
print(json.dumps(normal({"results": out, "nodes": net.nodes(), "stakes": net.stakes(), "summary": net.summary()})))
`;
  const arg = JSON.stringify(SCRIPT, (_, v) => (typeof v === 'bigint' ? String(v) : v));
  const fromPython = JSON.parse(execFileSync(python, ['-c', script, arg], { encoding: 'utf8' }));
  assert.deepEqual(normal(runJs()), fromPython);
});
