//! The reward math (REWARDS.md) against the §8 conformance vectors in
//! `tests/vectors/rewards.json`, plus property tests of its invariants: no reward is created or
//! lost across an epoch change, apportionment places exactly `n_shards` within the cap, prices
//! are always one of the votes, and overflowing inputs give errors, never panics.
//!
//! Property runs are deterministic (fixed proptest seed) unless `PROPTEST_RNG_SEED` is set.

use std::collections::{BTreeMap, BinaryHeap, HashMap};

use morsa_conformance::rewards_vectors;
use morsa_core::rewards::accounting::{burn_amount, FutureAccountingRingBuffer};
use morsa_core::rewards::committee::{
    committee_initialize, committee_transition, dhondt, max_shards_per_node, ActiveSet, NodeId,
};
use morsa_core::rewards::distribution::{commission_split, distribute, epoch_rewards, NodeService};
use morsa_core::rewards::pricing::{
    blob_cost, capacity_from_votes, capacity_vote, encoded_blob_length, is_quorum, quorum_above, quorum_below,
    recalculate_prices, storage_cost, storage_cost_per_epoch, storage_units, write_fee, VotingParams,
};
use morsa_core::rewards::staking::{calculate_rewards, ExchangeRate, StakedWal, StakingPool};
use morsa_core::rewards::subsidies::{
    fixed_subsidy, fixed_subsidy_epoch, initial_latest_epoch, legacy_purchase, usage_subsidies, usage_subsidy,
};
use morsa_core::rewards::{pricing, RewardsError, Rules, FROST_PER_WAL};
use morsa_core::EncodingConfig;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::RngSeed;
use serde_json::Value;

fn u(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not a u64: {v}"))
}

fn us(v: &Value) -> Vec<u64> {
    v.as_array().expect("array").iter().map(u).collect()
}

fn arr(v: &Value) -> &Vec<Value> {
    v.as_array().unwrap_or_else(|| panic!("not an array: {v}"))
}

// ---------------------------------------------------------------------------------------------
// §1: encoding, prices, storage

#[test]
fn encoded_lengths() {
    let v = rewards_vectors();
    for c in arr(&v["encoded_length"]["cases"]) {
        let n = u(&c["n_shards"]) as u16;
        assert_eq!(encoded_blob_length(u(&c["size"]), 1, n), Ok(u(&c["encoded_length"])), "{c}");
    }
    for c in arr(&v["source_symbols"]["cases"]) {
        let config = EncodingConfig::new(u(&c["n_shards"]) as u16).unwrap();
        assert_eq!(u64::from(config.n_primary_source_symbols()), u(&c["primary"]), "{c}");
        assert_eq!(u64::from(config.n_secondary_source_symbols()), u(&c["secondary"]), "{c}");
    }
    let m = &v["max_blob_size"];
    let n = u(&m["n_shards"]) as u16;
    assert!(encoded_blob_length(u(&m["max_size"]), 1, n).is_ok());
    assert!(matches!(encoded_blob_length(u(&m["max_size"]) + 1, 1, n), Err(RewardsError::Encoding(_))));
}

#[test]
fn quorum_vectors() {
    let v = rewards_vectors();
    let q = &v["quorum"];
    let n = u(&q["n_shards"]) as u16;
    let values = us(&q["values"]);
    for (key, f) in [
        ("quorum_above", quorum_above::<Vec<(u64, u16)>> as fn(_, u16) -> _),
        ("quorum_below", quorum_below::<Vec<(u64, u16)>> as fn(_, u16) -> _),
    ] {
        for c in arr(&q[key]) {
            let votes: Vec<(u64, u16)> = values.iter().zip(us(&c["weights"])).map(|(v, w)| (*v, w as u16)).collect();
            assert_eq!(f(votes.clone(), n), Ok(u(&c["expected"])), "{key} {c}");
            // The order of the votes does not matter.
            let reversed: Vec<_> = votes.into_iter().rev().collect();
            assert_eq!(f(reversed, n), Ok(u(&c["expected"])), "{key} reversed {c}");
        }
        let s = &q["single_vote"];
        assert_eq!(f(vec![(u(&s["value"]), u(&s["weight"]) as u16)], n), Ok(u(&s["expected"])));
    }
    let iq = &v["is_quorum"];
    let (n, w) = (u(&iq["n_shards"]), u(&iq["min_quorum_weight"]));
    assert_eq!(is_quorum(w, n), Ok(true));
    assert_eq!(is_quorum(w - 1, n), Ok(false));
}

#[test]
fn price_votes() {
    let v = rewards_vectors();
    let p = &v["price_votes"];
    let n = u(&p["n_shards"]) as u16;
    let w = u(&p["shards_per_node"]) as u16;
    for step in arr(&p["steps"]) {
        let members: Vec<(VotingParams, u16)> = arr(&step["votes"])
            .iter()
            .map(|vote| {
                let vote = us(vote);
                (VotingParams { storage_price: vote[0], write_price: vote[1], node_capacity: 0 }, w)
            })
            .collect();
        let expected = us(&step["expected"]);
        assert_eq!(recalculate_prices(members, n), Ok((expected[0], expected[1])), "{}", step["what"]);
    }

    let c = &v["capacity_votes"];
    let n = u(&c["n_shards"]) as u16;
    let w = u(&c["shards_per_node"]) as u16;
    let capacities = us(&c["node_capacities"]);
    for (cap, vote) in capacities.iter().zip(us(&c["capacity_votes"])) {
        assert_eq!(capacity_vote(*cap, n, w), Ok(vote));
    }
    let members: Vec<(u64, u16)> = capacities.iter().map(|c| (*c, w)).collect();
    assert_eq!(capacity_from_votes(members, n), Ok(u(&c["expected_capacity"])));
    let storage: Vec<(u64, u16)> = us(&c["storage_votes"]).into_iter().map(|s| (s, w)).collect();
    assert_eq!(quorum_below(storage, n), Ok(u(&c["expected_storage_price"])));
}

#[test]
fn storage_payments() {
    let v = rewards_vectors();
    let s = &v["storage_payments"];
    let price = u(&s["storage_price"]);
    for c in arr(&s["units"]) {
        assert_eq!(storage_units(u(&c["size"])), u(&c["units"]), "{c}");
        assert_eq!(storage_cost_per_epoch(price, u(&c["size"])), Ok(u(&c["per_epoch"])), "{c}");
    }

    let pe = &s["pool_extend"];
    let size = u(&pe["size"]);
    let per_epoch = storage_cost_per_epoch(price, size).unwrap();
    let mut ring = FutureAccountingRingBuffer::new(0, u(&pe["ring_length"]) as u32).unwrap();
    let r = us(&pe["reserve_offsets"]);
    ring.reserve(size, r[0] as u32, r[1] as u32, per_epoch, None).unwrap();
    let e = us(&pe["extend_offsets"]);
    let ring_length = u(&pe["ring_length"]) as u32;
    assert_eq!(pricing::reservation_offsets(0, 0, r[1] as u32, ring_length), Ok((r[0] as u32, r[1] as u32)));
    assert_eq!(
        pricing::extension_offsets(0, r[1] as u32, (e[1] - e[0]) as u32, ring_length),
        Ok((e[0] as u32, e[1] as u32))
    );
    ring.reserve(size, e[0] as u32, e[1] as u32, per_epoch, None).unwrap();
    let buckets: Vec<u64> = ring.buckets().take(6).map(|b| b.rewards_to_distribute).collect();
    assert_eq!(buckets, us(&pe["expected_buckets_0_to_5"]));

    let pi = &s["pool_increase"];
    let size = u(&pi["size"]);
    let mut ring = FutureAccountingRingBuffer::new(0, u(&pi["ring_length"]) as u32).unwrap();
    let o = us(&pi["offsets"]);
    ring.reserve(size, o[0] as u32, o[1] as u32, storage_cost_per_epoch(price, size).unwrap(), None).unwrap();
    let buckets: Vec<u64> = ring.buckets().take(3).map(|b| b.rewards_to_distribute).collect();
    assert_eq!(buckets, us(&pi["expected_increase_0_to_2"]));

    let rp = &s["ring_pops"];
    let mut ring = FutureAccountingRingBuffer::new(0, u(&rp["length"]) as u32).unwrap();
    for _ in 0..u(&rp["pops"]) {
        ring.pop_expand().unwrap();
    }
    let epochs: Vec<u64> = ring.buckets().map(|b| u64::from(b.epoch)).collect();
    assert_eq!(epochs, us(&rp["expected_epochs"]));

    for c in arr(&v["decrease_unused_by_percent"]["cases"]) {
        let got = pricing::decrease_unused_by_percent(u(&c["unused"]), u(&c["percent"]) as u8);
        match c["expected"].as_u64() {
            Some(e) => assert_eq!(got, Ok(e), "{c}"),
            None => assert_eq!(got, Err(RewardsError::ZeroAmount { what: "extracted capacity" }), "{c}"),
        }
    }

    for c in arr(&v["add_subsidy"]["cases"]) {
        let k = u(&c["epochs"]) as u32;
        let mut ring = FutureAccountingRingBuffer::new(0, 104).unwrap();
        ring.add_subsidy(u(&c["value"]), k).unwrap();
        let buckets: Vec<u64> = ring.buckets().take(k as usize).map(|b| b.rewards_to_distribute).collect();
        assert_eq!(buckets, us(&c["buckets"]), "{c}");
    }
}

// ---------------------------------------------------------------------------------------------
// §3: the epoch change

#[test]
fn full_epoch_reward() {
    let v = rewards_vectors();
    let c = &v["epoch_reward"];
    let n = u(&c["n_shards"]) as u16;
    let size = u(&c["size"]);
    assert_eq!(storage_units(size), u(&c["storage_units"]));
    let per_epoch = storage_cost_per_epoch(u(&c["storage_price"]), size).unwrap();
    assert_eq!(per_epoch, u(&c["per_epoch"]));
    let epochs = u(&c["epochs"]) as u32;
    assert_eq!(storage_cost(u(&c["storage_price"]), size, epochs), Ok(per_epoch * u64::from(epochs)));

    // Through the ring buffer, as system_state_inner does it.
    let mut ring = FutureAccountingRingBuffer::new(0, 53).unwrap();
    ring.reserve(size, 0, epochs, per_epoch, Some(u64::MAX)).unwrap();
    let burned = ring.extract_burn().unwrap();
    assert_eq!(burned, u(&c["burned"]));
    let closing = ring.pop_expand().unwrap();
    assert_eq!(closing.rewards_to_distribute, u(&c["distributed"]));
    let nodes: Vec<NodeService> = us(&c["shards"])
        .iter()
        .zip(us(&c["deny_list_sizes"]))
        .map(|(w, d)| NodeService { shards: *w as u16, deny_list_size: d })
        .collect();
    assert_eq!(nodes.iter().map(|n| u64::from(n.shards)).sum::<u64>(), u64::from(n));
    let mut rewards = vec![0; nodes.len()];
    let leftover = distribute(closing.rewards_to_distribute, closing.used_capacity, &nodes, &mut rewards).unwrap();
    assert_eq!(rewards, us(&c["rewards"]));
    assert_eq!(leftover, u(&c["leftover"]));
    ring.add_rewards(0, leftover).unwrap();
    assert_eq!(ring.lookup(0).unwrap().rewards_to_distribute, per_epoch + leftover);

    // The same through epoch_rewards.
    let mut again = vec![0; nodes.len()];
    let e = epoch_rewards(per_epoch, size, &nodes, &mut again).unwrap();
    assert_eq!((e.burned, e.paid, e.leftover), (burned, per_epoch - burned - leftover, leftover));
    assert_eq!(again, rewards);

    // 100% commission: the operator collects all of it after voting_end.
    let rate = u(&c["commission_bp"]) as u16;
    for r in &rewards {
        let mut pool = StakingPool::new(0, false, rate).unwrap();
        pool.stake(1000 * FROST_PER_WAL, 0, false).unwrap();
        pool.advance_epoch(1, 0, Rules::Mainnet).unwrap();
        let a = pool.advance_epoch(2, *r, Rules::Mainnet).unwrap();
        assert_eq!((a.commission, a.pool_part), (*r, 0));
        assert_eq!(pool.collect_commission(), 0, "blocked until voting_end");
        pool.clear_blocked_commission();
        assert_eq!(pool.collect_commission(), *r);
    }
}

#[test]
fn commission_vectors() {
    let v = rewards_vectors();
    for c in arr(&v["commission"]["cases"]) {
        assert_eq!(
            commission_split(u(&c["reward"]), u(&c["rate_bp"]) as u16),
            Ok((u(&c["commission"]), u(&c["pool_part"]))),
            "{c}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// §4: staking pools

struct PoolRunner {
    pool: StakingPool,
    epoch: u32,
    selected: bool,
    rules: Rules,
    stakes: HashMap<String, StakedWal>,
}

fn amount(step: &Value, wal: &str, frost: &str) -> Option<u64> {
    step.get(wal).map(|v| u(v) * FROST_PER_WAL).or_else(|| step.get(frost).map(u))
}

impl PoolRunner {
    fn run(name: &str, commission: u16, rules: Rules, steps: &[Value]) {
        let mut r = PoolRunner {
            pool: StakingPool::new(0, false, commission).unwrap(),
            epoch: 0,
            selected: false,
            rules,
            stakes: HashMap::new(),
        };
        for (i, step) in steps.iter().enumerate() {
            let at = format!("{name} ({rules:?}) step {i}: {step}");
            r.step(step, &at);
        }
    }

    fn step(&mut self, step: &Value, at: &str) {
        let id = step.get("id").and_then(Value::as_str).unwrap_or("").to_string();
        let flag = |k: &str| step[k].as_bool().unwrap_or_else(|| panic!("{at}: {k}"));
        match step["op"].as_str().unwrap() {
            "stake" => {
                let sw = self.pool.stake(amount(step, "wal", "frost").unwrap(), self.epoch, self.selected).expect(at);
                self.stakes.insert(id, sw);
            }
            "select_committee" => self.selected = true,
            "next_epoch" => {
                self.epoch += 1;
                self.selected = false;
                if step.get("skip").and_then(Value::as_bool) != Some(true) {
                    let reward = amount(step, "reward_wal", "reward_frost").unwrap();
                    self.pool.advance_epoch(self.epoch, reward, self.rules).expect(at);
                }
            }
            "request_withdraw" => {
                let sw = self.stakes.get_mut(&id).expect(at);
                self.pool.request_withdraw(sw, self.epoch, flag("in_current"), flag("in_next")).expect(at);
            }
            "withdraw" => {
                let sw = self.stakes.remove(&id).expect(at);
                let got = self.pool.withdraw(sw, self.epoch, flag("in_current"), flag("in_next")).expect(at);
                assert_eq!(got, amount(step, "expect_wal", "expect_frost").unwrap(), "{at}");
            }
            "split" => {
                let sw = self.stakes.get_mut(&id).expect(at);
                let new = sw.split(amount(step, "wal", "frost").unwrap()).expect(at);
                self.stakes.insert(step["new_id"].as_str().unwrap().to_string(), new);
            }
            "expect_balance_at" => {
                let e = u(&step["epoch"]) as u32;
                assert_eq!(self.pool.wal_balance_at_epoch(e), Ok(u(&step["wal"]) * FROST_PER_WAL), "{at}");
            }
            "expect_wal_balance" => assert_eq!(self.pool.wal_balance(), u(&step["wal"]) * FROST_PER_WAL, "{at}"),
            "set_next_commission" => self.pool.set_next_commission(u(&step["bp"]) as u16, self.epoch).expect(at),
            "expect_commission_rate" => assert_eq!(u64::from(self.pool.commission_rate()), u(&step["bp"]), "{at}"),
            "expect_commission" => assert_eq!(self.pool.commission_amount(), u(&step["frost"]), "{at}"),
            "add_commission" => self.pool.add_commission(u(&step["frost"]), flag("block")).expect(at),
            "clear_blocked" => self.pool.clear_blocked_commission(),
            "collect" => assert_eq!(self.pool.collect_commission(), u(&step["expect_frost"]), "{at}"),
            "expect_rewards_pool" => assert_eq!(self.pool.rewards_pool(), u(&step["frost"]), "{at}"),
            other => panic!("{at}: unknown op {other}"),
        }
    }
}

#[test]
fn staking_pool_scenarios() {
    let v = rewards_vectors();
    let scenarios = arr(&v["staking_pool"]["scenarios"]);
    assert!(scenarios.len() >= 15);
    for s in scenarios {
        let name = s["name"].as_str().unwrap();
        let rules = match s["rules"].as_str().unwrap() {
            "both" => vec![Rules::Mainnet, Rules::Development],
            "mainnet" => vec![Rules::Mainnet],
            "development" => vec![Rules::Development],
            other => panic!("rules {other}"),
        };
        for r in rules {
            PoolRunner::run(name, u(&s["commission_bp"]) as u16, r, arr(&s["steps"]));
        }
    }
}

#[test]
fn pool_errors() {
    let mut pool = StakingPool::new(0, false, 0).unwrap();
    assert!(matches!(pool.stake(FROST_PER_WAL - 1, 0, false), Err(RewardsError::StakeTooSmall { .. })));
    assert!(matches!(pool.advance_epoch(0, 0, Rules::Mainnet), Err(RewardsError::InvalidPoolState { .. })));
    let before = pool.clone();
    assert!(matches!(pool.advance_epoch(1, 5, Rules::Mainnet), Err(RewardsError::InvalidPoolState { .. })));
    assert_eq!(pool, before, "an aborted advance leaves the pool unchanged");
    assert!(StakingPool::new(0, false, 10_001).is_err());
    assert!(pool.set_next_commission(10_001, 0).is_err());
    let mut sw = pool.stake(2 * FROST_PER_WAL, 0, false).unwrap();
    // Activation E+1 and the node not in the next committee: must withdraw directly.
    assert!(pool.request_withdraw(&mut sw, 0, true, false).is_err());
    assert!(sw.split(FROST_PER_WAL + 1).is_err());
    assert_eq!(ExchangeRate::new(1, 2), Err(RewardsError::InvalidExchangeRate));
    assert_eq!(calculate_rewards(100, ExchangeRate::Flat, ExchangeRate::new(200, 100).unwrap()), Ok(100));
}

// ---------------------------------------------------------------------------------------------
// §5: committee selection

#[test]
fn dhondt_vectors() {
    let v = rewards_vectors();
    let d = &v["dhondt"];
    for c in arr(&d["cases"]) {
        let stakes = us(&c["stakes"]);
        let mut out = vec![0u16; stakes.len()];
        dhondt(&stakes, u(&c["n_shards"]) as u16, &mut out).unwrap_or_else(|e| panic!("{c}: {e}"));
        let got: Vec<u64> = out.iter().map(|x| u64::from(*x)).collect();
        assert_eq!(got, us(&c["expected"]), "{c}");
        assert_eq!(got, reference_dhondt(&stakes, u(&c["n_shards"]) as u16).unwrap(), "reference {c}");
    }
    let ns = &d["no_stake"];
    let stakes = us(&ns["stakes"]);
    assert_eq!(dhondt(&stakes, u(&ns["n_shards"]) as u16, &mut vec![0; stakes.len()]), Err(RewardsError::NoStake));

    let large = &d["large"];
    let total = u(&large["total_stake"]);
    let n = u(&large["n_shards"]) as u16;
    for c in arr(&large["cases"]) {
        let mut stakes = Vec::new();
        for run in arr(&c["bp_runs"]) {
            let run = us(run);
            let stake = (u128::from(total) * u128::from(run[0]) / 10_000) as u64;
            stakes.extend(std::iter::repeat_n(stake, run[1] as usize));
        }
        let mut out = vec![0u16; stakes.len()];
        dhondt(&stakes, n, &mut out).unwrap();
        let with_shards: Vec<u16> = out.iter().copied().filter(|s| *s > 0).collect();
        assert_eq!(with_shards.len() as u64, u(&c["nodes_with_shards"]), "{c}");
        if let Some(cap) = c.get("all_at_cap") {
            assert!(with_shards.iter().all(|s| u64::from(*s) == u(cap)), "{c}");
        }
        assert_eq!(out.iter().map(|s| u64::from(*s)).sum::<u64>(), u64::from(n));
    }

    let caps = &v["shard_caps"];
    for c in arr(&caps["cases"]) {
        let c = us(c);
        assert_eq!(max_shards_per_node(c[0] as usize, u(&caps["n_shards"]) as u16), Ok(c[1]));
    }
}

fn assignment(v: &Value) -> Vec<(NodeId, Vec<u16>)> {
    arr(v)
        .iter()
        .map(|e| {
            let e = arr(e);
            (NodeId::from(u(&e[0])), us(&e[1]).into_iter().map(|s| s as u16).collect())
        })
        .collect()
}

fn counts(v: &Value) -> Vec<(NodeId, u16)> {
    arr(v).iter().map(|e| (NodeId::from(u(&e[0])), u(&e[1]) as u16)).collect()
}

#[test]
fn committee_vectors() {
    let v = rewards_vectors();
    let c = &v["committee"];
    let first = committee_initialize(&counts(&c["initialize"]["counts"])).unwrap();
    assert_eq!(first, assignment(&c["initialize"]["expected"]));
    let next = committee_transition(&first, &counts(&c["transition"]["counts"])).unwrap();
    assert_eq!(next, assignment(&c["transition"]["expected"]));
    assert!(matches!(
        committee_transition(&first, &[(NodeId::from(1), 7)]),
        Err(RewardsError::InvalidShardAssignment { old_shards: 8, new_shards: 7 })
    ));
}

#[test]
fn active_set_vectors() {
    let v = rewards_vectors();
    for s in arr(&v["active_set"]["scenarios"]) {
        let mut set = ActiveSet::new(u(&s["max_size"]) as u16, u(&s["threshold"]));
        for step in arr(&s["steps"]) {
            if let Some(node) = step.get("node") {
                set.insert_or_update(NodeId::from(u(node)), u(&step["stake"]));
            }
            if let Some(size) = step.get("expect_size") {
                assert_eq!(set.len() as u64, u(size), "{} {step}", s["name"]);
            }
            if let Some(min) = step.get("expect_min_stake") {
                assert_eq!(set.min_stake(), u(min), "{} {step}", s["name"]);
            }
            if let Some(ids) = step.get("expect_ids") {
                let mut got: Vec<NodeId> = set.nodes().iter().map(|(id, _)| *id).collect();
                got.sort();
                let want: Vec<NodeId> = us(ids).into_iter().map(NodeId::from).collect();
                assert_eq!(got, want, "{} {step}", s["name"]);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// §6: subsidies

#[test]
fn legacy_subsidy_vectors() {
    let v = rewards_vectors();
    let l = &v["legacy_subsidies"];
    let cost = storage_cost(u(&l["storage_price"]), u(&l["size"]), u(&l["epochs"]) as u32).unwrap();
    assert_eq!(cost, u(&l["cost"]));
    let epochs = u(&l["epochs"]) as u32;
    let check = |c: &Value, write_fee: u64| {
        let out =
            legacy_purchase(cost, u(&c["pay"]), u(&c["pool"]), u(&c["buyer_bp"]) as u16, u(&c["system_bp"]) as u16)
                .unwrap_or_else(|e| panic!("{c}: {e}"));
        if let Some(coin) = c["buyer_coin"].as_u64() {
            assert_eq!(out.buyer_coin, coin, "{c}");
        }
        assert_eq!(out.pool, u(&c["pool_after"]), "{c}");
        if c["buckets"].is_array() {
            let mut ring = FutureAccountingRingBuffer::new(0, 104).unwrap();
            ring.add_rewards(0, write_fee).unwrap();
            ring.reserve(u(&l["size"]), 0, epochs, cost / u64::from(epochs), None).unwrap();
            ring.add_subsidy(out.system_subsidy, epochs).unwrap();
            let buckets: Vec<u64> = ring.buckets().take(epochs as usize).map(|b| b.rewards_to_distribute).collect();
            assert_eq!(buckets, us(&c["buckets"]), "{c}");
        }
    };
    for c in arr(&l["cases"]) {
        check(c, 0);
    }
    for c in arr(&l["extend"]["cases"]) {
        check(c, u(&l["extend"]["write_fee"]));
    }
}

#[test]
fn walrus_subsidy_vectors() {
    let v = rewards_vectors();
    let w = &v["walrus_subsidies"];
    let mut ring = FutureAccountingRingBuffer::new(1, 53).unwrap();
    let per_epoch = storage_cost_per_epoch(u(&w["storage_price"]), u(&w["size"])).unwrap();
    for k in us(&w["reservations_epochs"]) {
        ring.reserve(u(&w["size"]), 0, k as u32, per_epoch, None).unwrap();
    }
    let usage: Vec<u64> = ring.buckets().take(5).map(|b| b.rewards_to_distribute).collect();
    assert_eq!(usage, us(&w["usage"]));
    let rate = u(&w["rate_bp"]) as u32;
    let subsidy: Vec<u64> = usage.iter().map(|x| usage_subsidy(*x, 0, rate).unwrap()).collect();
    assert_eq!(subsidy, us(&w["subsidy"]));
    // The same through step 2 of process_subsidies: post_i = pre_i + subsidy_i.
    let mut already = vec![0; usage.len()];
    let mut out = vec![0; usage.len()];
    let total = usage_subsidies(&usage, &mut already, rate, u64::MAX, &mut out).unwrap();
    assert_eq!(out, us(&w["subsidy"]));
    assert_eq!(total, out.iter().sum::<u64>());
    let post: Vec<u64> = usage.iter().zip(&out).map(|(u, s)| u + s).collect();
    assert_eq!(already, post);
    assert!(matches!(
        usage_subsidies(&usage, &mut [0; 5], rate, total - 1, &mut out),
        Err(RewardsError::InsufficientFunds { .. })
    ));
    for c in arr(&w["fixed_timing"]["cases"]) {
        let latest = initial_latest_epoch(u(&c["created_epoch"]) as u32);
        let first = (u(&c["created_epoch"]) as u32..100).find(|e| fixed_subsidy_epoch(latest, *e).is_some());
        assert_eq!(first.map(u64::from), Some(u(&c["first_payment_epoch"])), "{c}");
        assert_eq!(fixed_subsidy_epoch(latest, first.unwrap()).map(u64::from), Some(u(&c["pays_for"])), "{c}");
    }
    let f = &w["fixed"];
    assert_eq!(fixed_subsidy(u(&f["base"]), u(&f["per_shard"]), u(&f["shards"]) as u16), Ok(u(&f["expected"])));
}

// ---------------------------------------------------------------------------------------------
// Slow, obviously correct references

/// D'Hondt exactly as the Move code runs it: a max-heap of (quotient, priority).
fn reference_dhondt(stakes: &[u64], n_shards: u16) -> Result<Vec<u64>, RewardsError> {
    let total: u128 = stakes.iter().map(|s| u128::from(*s)).sum();
    if total == 0 {
        return Err(RewardsError::NoStake);
    }
    let n = stakes.len() as u128;
    let big_n = u128::from(n_shards);
    let cap = if n >= 20 { big_n / 10 } else { (big_n * 20).div_ceil(n * 10) };
    let dist = total / (big_n + 1) + 1;
    let mut s: Vec<u128> = stakes.iter().map(|x| (u128::from(*x) / dist).min(cap)).collect();
    let mut heap = BinaryHeap::new();
    for (i, x) in stakes.iter().enumerate() {
        if s[i] != cap {
            heap.push(((u128::from(*x) << 64) / (s[i] + 1), n - i as u128, i));
        }
    }
    while s.iter().sum::<u128>() != big_n {
        let Some((_, p, i)) = heap.pop() else { return Err(RewardsError::NoStake) };
        s[i] += 1;
        if s[i] != cap {
            heap.push(((u128::from(stakes[i]) << 64) / (s[i] + 1), p, i));
        }
    }
    Ok(s.into_iter().map(|x| x as u64).collect())
}

/// The closed form of `quorum_below`: the smallest voted value p whose voters `<= p` form a
/// quorum (REWARDS.md §1.1).
fn reference_quorum_below(votes: &[(u64, u16)], n: u16) -> Option<u64> {
    let mut values: Vec<u64> = votes.iter().map(|v| v.0).collect();
    values.sort();
    values.into_iter().find(|p| {
        let w: u64 = votes.iter().filter(|v| v.0 <= *p).map(|v| u64::from(v.1)).sum();
        3 * w > 2 * u64::from(n)
    })
}

/// The closed form of `quorum_above`: the largest value c whose voters `>= c` form a quorum.
fn reference_quorum_above(votes: &[(u64, u16)], n: u16) -> Option<u64> {
    let mut values: Vec<u64> = votes.iter().map(|v| v.0).collect();
    values.sort_by(|a, b| b.cmp(a));
    values.into_iter().find(|c| {
        let w: u64 = votes.iter().filter(|v| v.0 >= *c).map(|v| u64::from(v.1)).sum();
        3 * w > 2 * u64::from(n)
    })
}

// ---------------------------------------------------------------------------------------------
// Properties

fn config(cases: u32) -> ProptestConfig {
    let mut config = ProptestConfig::with_cases(cases);
    config.failure_persistence = None;
    if std::env::var_os("PROPTEST_RNG_SEED").is_none() {
        config.rng_seed = RngSeed::Fixed(0x5245_5741_5244);
    }
    config
}

/// Votes whose weights sum to n: a random split of n shards over 1..=12 nodes.
fn votes_summing_to_n() -> impl Strategy<Value = (Vec<(u64, u16)>, u16)> {
    (1u16..=1000, vec((0u64..20, 1u16..100), 1..12), any::<bool>()).prop_map(|(n, raw, big)| {
        let total: u64 = raw.iter().map(|(_, w)| u64::from(*w)).sum();
        let mut votes: Vec<(u64, u16)> = raw
            .iter()
            .map(|(v, w)| (if big { u64::MAX - v } else { *v * 1000 }, (u64::from(*w) * u64::from(n) / total) as u16))
            .collect();
        let assigned: u64 = votes.iter().map(|(_, w)| u64::from(*w)).sum();
        votes[0].1 += (u64::from(n) - assigned) as u16;
        (votes, n)
    })
}

fn services() -> impl Strategy<Value = Vec<NodeService>> {
    vec(
        (0u16..200, prop_oneof![Just(0u64), 0u64..2_000_000_000, any::<u64>()])
            .prop_map(|(shards, deny_list_size)| NodeService { shards, deny_list_size }),
        0..30,
    )
}

proptest! {
    #![proptest_config(config(2_000))]

    /// No reward is created or lost: paid + burned + carried over = collected.
    #[test]
    fn epoch_change_conserves_rewards(
        collected in prop_oneof![0u64..1_000_000_000_000, 0u64..=u64::MAX / 3],
        used in prop_oneof![Just(0u64), 0u64..10_000_000_000, any::<u64>()],
        nodes in services(),
        rates in vec(0u16..=10_000, 30),
    ) {
        let mut out = vec![0; nodes.len()];
        match epoch_rewards(collected, used, &nodes, &mut out) {
            Ok(e) => {
                let paid: u64 = out.iter().sum();
                prop_assert_eq!(paid, e.paid);
                prop_assert_eq!(e.burned + e.paid + e.leftover, collected);
                prop_assert_eq!(e.burned, burn_amount(collected).unwrap());
                if used == 0 {
                    prop_assert_eq!(e.paid, 0);
                }
                // The commission split conserves each node's reward too.
                for (r, rate) in out.iter().zip(&rates) {
                    let (c, p) = commission_split(*r, *rate).unwrap();
                    prop_assert_eq!(c + p, *r);
                }
            }
            Err(e) => prop_assert!(matches!(e, RewardsError::Overflow { .. }), "{e:?}"),
        }
    }

    /// Apportionment assigns exactly n_shards, respects the cap, and matches the heap reference.
    #[test]
    fn apportionment_places_every_shard_within_the_cap(
        stakes in vec(prop_oneof![0u64..10, 0u64..1_000_000, any::<u64>() ], 1..40),
        n_shards in 0u16..1200,
    ) {
        let mut out = vec![0u16; stakes.len()];
        let total: u128 = stakes.iter().map(|s| u128::from(*s)).sum();
        match dhondt(&stakes, n_shards, &mut out) {
            Ok(()) => {
                let cap = max_shards_per_node(stakes.len(), n_shards).unwrap();
                prop_assert_eq!(out.iter().map(|s| u64::from(*s)).sum::<u64>(), u64::from(n_shards));
                prop_assert!(out.iter().all(|s| u64::from(*s) <= cap));
                let reference = reference_dhondt(&stakes, n_shards).unwrap();
                prop_assert_eq!(out.iter().map(|s| u64::from(*s)).collect::<Vec<_>>(), reference);
            }
            Err(RewardsError::NoStake) => prop_assert_eq!(total, 0),
            Err(RewardsError::Overflow { .. }) => prop_assert!(total > u128::from(u64::MAX)),
            Err(RewardsError::ShardCapTooLow { cap, .. }) => {
                let room = cap * stakes.len() as u64;
                prop_assert!(room < u64::from(n_shards));
            }
            Err(e) => prop_assert!(false, "unexpected {e:?}"),
        }
    }

    /// Prices are always one of the votes, and equal the closed-form quantiles.
    #[test]
    fn prices_are_votes((votes, n) in votes_summing_to_n()) {
        let below = quorum_below(votes.clone(), n).unwrap();
        let above = quorum_above(votes.clone(), n).unwrap();
        prop_assert!(votes.iter().any(|v| v.0 == below));
        prop_assert!(votes.iter().any(|v| v.0 == above));
        prop_assert_eq!(Some(below), reference_quorum_below(&votes, n));
        prop_assert_eq!(Some(above), reference_quorum_above(&votes, n));
        let members: Vec<(VotingParams, u16)> = votes
            .iter()
            .map(|(v, w)| (VotingParams { storage_price: *v, write_price: v / 2, node_capacity: 0 }, *w))
            .collect();
        let (storage, write) = recalculate_prices(members, n).unwrap();
        prop_assert_eq!(storage, below);
        prop_assert!(votes.iter().any(|v| v.0 / 2 == write));
    }

    /// Shard transitions keep every shard exactly once, give each node its count, and move only
    /// surplus shards.
    #[test]
    fn transitions_move_minimally(
        old_counts in vec(0u16..12, 1..10),
        shuffle in vec(any::<prop::sample::Index>(), 40),
    ) {
        let n: u16 = old_counts.iter().sum();
        let old = committee_initialize(
            &old_counts.iter().enumerate().map(|(i, c)| (NodeId::from(i as u64 * 7 + 1), *c)).collect::<Vec<_>>(),
        ).unwrap();
        // A new split of the same n over (partly) different nodes.
        let mut new_counts: Vec<(NodeId, u16)> = (0..12u64).map(|i| (NodeId::from(i * 5 + 1), 0)).collect();
        for k in 0..n as usize {
            let len = new_counts.len();
            let i = shuffle[k % shuffle.len()].index(len);
            new_counts[(i + k) % len].1 += 1;
        }
        let next = committee_transition(&old, &new_counts).unwrap();
        let mut all: Vec<u16> = next.iter().flat_map(|(_, s)| s.iter().copied()).collect();
        all.sort();
        prop_assert_eq!(all, (0..n).collect::<Vec<_>>());
        let want: BTreeMap<NodeId, u16> = new_counts.iter().filter(|(_, c)| *c > 0).copied().collect();
        let got: BTreeMap<NodeId, u16> = next.iter().map(|(id, s)| (*id, s.len() as u16)).collect();
        prop_assert_eq!(got, want.clone());
        let old_map: BTreeMap<NodeId, Vec<u16>> = old.into_iter().collect();
        for (id, shards) in &next {
            if let Some(before) = old_map.get(id) {
                let kept = before.iter().filter(|s| shards.contains(s)).count();
                prop_assert_eq!(kept, before.len().min(shards.len()));
            }
        }
    }

    /// Overflowing inputs give errors, never panics.
    #[test]
    fn extreme_inputs_never_panic(
        a in prop_oneof![any::<u64>(), Just(u64::MAX), Just(0u64)],
        b in prop_oneof![any::<u64>(), Just(u64::MAX), Just(0u64)],
        k in any::<u32>(),
        n in any::<u16>(),
        w in any::<u16>(),
        rate in any::<u16>(),
        rate32 in any::<u32>(),
        pct in any::<u8>(),
    ) {
        let _ = is_quorum(a, b);
        let _ = storage_cost(a, b, k);
        let _ = write_fee(a, b, n);
        let _ = blob_cost(a, b, a, k, n);
        let _ = encoded_blob_length(a, (w & 3) as u8, n);
        let _ = capacity_vote(a, n, w);
        let _ = quorum_below(vec![(a, w), (b, n)], n);
        let _ = quorum_above(vec![(a, w), (b, n)], n);
        let _ = burn_amount(a);
        let _ = commission_split(a, rate);
        let _ = pricing::decrease_unused_by_percent(a, pct);
        let _ = usage_subsidy(a, b, rate32);
        let _ = fixed_subsidy(a, b, n);
        let _ = legacy_purchase(a, b, a, rate, rate);
        let _ = max_shards_per_node(k as usize, n);
        let _ = dhondt(&[a, b, a], n, &mut [0; 3]);
        let _ = ExchangeRate::new(a, b).map(|r| (r.to_wal(a), r.to_shares(b)));
        let _ = morsa_core::rewards::accounting::subsidy_split(a, k, k);
        let _ = morsa_core::rewards::pricing::reservation_offsets(k, k / 2, k.wrapping_add(w.into()), u32::from(n));
        let nodes = [NodeService { shards: w, deny_list_size: b }];
        let _ = distribute(a, b, &nodes, &mut [0]);
        if let Ok(mut ring) = FutureAccountingRingBuffer::new(k, u32::from(n % 8)) {
            let _ = ring.reserve(a, 0, u32::from(w % 9), b, Some(a));
            let _ = ring.add_subsidy(a, u32::from(w % 9));
            let _ = ring.extract_burn();
            let _ = ring.pop_expand();
        }
    }

    /// Random staking-pool histories never panic, and rewards neither appear nor vanish: the
    /// rewards pool receives exactly the stakers' parts and pays out at most that.
    #[test]
    fn pool_histories_are_consistent(
        ops in vec((0u8..5, 1u64..5_000, 0u64..3_000_000_000_000, any::<bool>()), 1..40),
        commission in 0u16..=10_000,
    ) {
        let mut pool = StakingPool::new(0, false, commission).unwrap();
        let mut epoch = 0u32;
        let mut stakes: Vec<StakedWal> = Vec::new();
        let (mut to_pool, mut paid_out, mut principal_in, mut principal_out, mut commission_total) = (0u128, 0u128, 0u128, 0u128, 0u128);
        for (op, x, reward, flag) in ops {
            match op {
                0 => {
                    if let Ok(sw) = pool.stake(x * FROST_PER_WAL, epoch, false) {
                        principal_in += u128::from(sw.principal);
                        stakes.push(sw);
                    }
                }
                1 | 2 => {
                    epoch += 1;
                    let reward = if pool.wal_balance() == 0 { 0 } else { reward };
                    let a = pool.advance_epoch(epoch, reward, if flag { Rules::Mainnet } else { Rules::Development }).unwrap();
                    prop_assert_eq!(a.commission + a.pool_part, reward);
                    to_pool += u128::from(a.pool_part);
                    commission_total += u128::from(a.commission);
                }
                3 => {
                    if let Some(sw) = stakes.iter_mut().find(|s| s.withdraw_epoch.is_none() && s.activation_epoch <= epoch) {
                        // Huge compounding rewards can make a small stake worth zero shares: Move aborts.
                        match pool.request_withdraw(sw, epoch, true, false) {
                            Ok(()) => prop_assert!(sw.withdraw_epoch.is_some()),
                            Err(e) => prop_assert_eq!(e, RewardsError::InvalidPoolState { reason: "zero shares" }),
                        }
                    }
                }
                _ => {
                    if let Some(i) = stakes.iter().position(|s| s.withdraw_epoch.is_some_and(|w| w <= epoch)) {
                        let sw = stakes.remove(i);
                        let got = pool.withdraw(sw, epoch, true, false).unwrap();
                        prop_assert!(got >= sw.principal);
                        principal_out += u128::from(sw.principal);
                        paid_out += u128::from(got - sw.principal);
                    }
                }
            }
            prop_assert_eq!(u128::from(pool.rewards_pool()) + paid_out, to_pool);
            prop_assert_eq!(u128::from(pool.commission_amount()), commission_total);
            prop_assert!(principal_out <= principal_in);
        }
    }
}
