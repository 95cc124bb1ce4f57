"""``morsa.rewards``: the REWARDS.md §8 vectors (tests/vectors/rewards.json, shared with the Rust
suite), typed errors, simulator invariants, and ``morsa rewards simulate``."""

from __future__ import annotations

import csv
import json
import struct
import sys
from pathlib import Path

import pytest

import morsa
from morsa import rewards

ROOT = Path(__file__).parents[2]
VECTORS = json.loads((ROOT / "tests" / "vectors" / "rewards.json").read_text(encoding="utf-8"))
EXAMPLE = ROOT / "examples" / "rewards-10-nodes.json"
WAL = rewards.FROST_PER_WAL
U64_MAX = 2**64 - 1


# ------------------------------------------------------------------------------------------
# §1: encoding, prices, storage


@pytest.mark.parametrize("case", VECTORS["encoded_length"]["cases"], ids=lambda c: f"{c['size']}-n{c['n_shards']}")
def test_encoded_length(case: dict) -> None:
    assert rewards.encoded_blob_length(case["size"], case["n_shards"]) == case["encoded_length"]


def test_source_symbols_and_size_limit() -> None:
    for c in VECTORS["source_symbols"]["cases"]:
        config = morsa.EncodingConfig(c["n_shards"])
        assert (config.n_primary_source_symbols, config.n_secondary_source_symbols) == (c["primary"], c["secondary"])
    m = VECTORS["max_blob_size"]
    rewards.encoded_blob_length(m["max_size"], m["n_shards"])
    with pytest.raises(rewards.RewardsError):
        rewards.encoded_blob_length(m["max_size"] + 1, m["n_shards"])
    with pytest.raises(rewards.RewardsError, match="encoding type"):
        rewards.encoded_blob_length(1, 10, encoding_type=2)


def test_quorum_vectors() -> None:
    q = VECTORS["quorum"]
    for name, f in (("quorum_above", rewards.quorum_above), ("quorum_below", rewards.quorum_below)):
        for c in q[name]:
            votes = list(zip(q["values"], c["weights"]))
            assert f(votes, q["n_shards"]) == c["expected"], (name, c)
            assert f(votes[::-1], q["n_shards"]) == c["expected"], (name, c)
        s = q["single_vote"]
        assert f([(s["value"], s["weight"])], q["n_shards"]) == s["expected"]
    iq = VECTORS["is_quorum"]
    assert rewards.is_quorum(iq["min_quorum_weight"], iq["n_shards"])
    assert not rewards.is_quorum(iq["min_quorum_weight"] - 1, iq["n_shards"])


def test_price_and_capacity_votes() -> None:
    p = VECTORS["price_votes"]
    for step in p["steps"]:
        members = [(s, w, p["shards_per_node"]) for s, w in step["votes"]]
        assert list(rewards.recalculate_prices(members, p["n_shards"])) == step["expected"], step["what"]
    assert rewards.recalculate_prices([], 1000) == (U64_MAX, U64_MAX)

    c = VECTORS["capacity_votes"]
    for cap, vote in zip(c["node_capacities"], c["capacity_votes"]):
        assert rewards.capacity_vote(cap, c["n_shards"], c["shards_per_node"]) == vote
    members = [(cap, c["shards_per_node"]) for cap in c["node_capacities"]]
    assert rewards.capacity_from_votes(members, c["n_shards"]) == c["expected_capacity"]
    storage = [(v, c["shards_per_node"]) for v in c["storage_votes"]]
    assert rewards.quorum_below(storage, c["n_shards"]) == c["expected_storage_price"]


def test_storage_payments() -> None:
    s = VECTORS["storage_payments"]
    price = s["storage_price"]
    for c in s["units"]:
        assert rewards.storage_units(c["size"]) == c["units"]
        assert rewards.storage_cost_per_epoch(price, c["size"]) == c["per_epoch"]

    pe = s["pool_extend"]
    ring = rewards.FutureAccounting(pe["ring_length"])
    per_epoch = rewards.storage_cost_per_epoch(price, pe["size"])
    ring.reserve(pe["size"], *pe["reserve_offsets"], per_epoch)
    ring.reserve(pe["size"], *pe["extend_offsets"], per_epoch)
    start, end = pe["reserve_offsets"]
    assert rewards.reservation_offsets(0, 0, end, pe["ring_length"]) == (start, end)
    ext_start, ext_end = pe["extend_offsets"]
    assert rewards.extension_offsets(0, end, ext_end - ext_start, pe["ring_length"]) == (ext_start, ext_end)
    assert [b[2] for b in ring.buckets()[:6]] == pe["expected_buckets_0_to_5"]

    pi = s["pool_increase"]
    ring = rewards.FutureAccounting(pi["ring_length"])
    ring.reserve(pi["size"], *pi["offsets"], rewards.storage_cost_per_epoch(price, pi["size"]))
    assert [b[2] for b in ring.buckets()[:3]] == pi["expected_increase_0_to_2"]

    rp = s["ring_pops"]
    ring = rewards.FutureAccounting(rp["length"])
    for _ in range(rp["pops"]):
        ring.pop_expand()
    assert [b[0] for b in ring.buckets()] == rp["expected_epochs"]

    for c in VECTORS["decrease_unused_by_percent"]["cases"]:
        if c["expected"] is None:
            with pytest.raises(rewards.RewardsError, match="zero"):
                rewards.decrease_unused_by_percent(c["unused"], c["percent"])
        else:
            assert rewards.decrease_unused_by_percent(c["unused"], c["percent"]) == c["expected"]

    for c in VECTORS["add_subsidy"]["cases"]:
        ring = rewards.FutureAccounting(104)
        ring.add_subsidy(c["value"], c["epochs"])
        assert [b[2] for b in ring.buckets()[: c["epochs"]]] == c["buckets"]


# ------------------------------------------------------------------------------------------
# §3: the epoch change


def test_full_epoch_reward() -> None:
    c = VECTORS["epoch_reward"]
    assert rewards.storage_units(c["size"]) == c["storage_units"]
    per_epoch = rewards.storage_cost_per_epoch(c["storage_price"], c["size"])
    assert per_epoch == c["per_epoch"]
    ring = rewards.FutureAccounting(53)
    ring.reserve(c["size"], 0, c["epochs"], per_epoch, U64_MAX)
    assert ring.extract_burn() == c["burned"]
    _, used, value = ring.pop_expand()
    assert value == c["distributed"]
    nodes = list(zip(c["shards"], c["deny_list_sizes"]))
    paid, leftover = rewards.distribute(value, used, nodes)
    assert paid == c["rewards"]
    assert leftover == c["leftover"]
    e = rewards.epoch_rewards(per_epoch, c["size"], nodes)
    assert (e["burned"], e["leftover"], e["rewards"]) == (c["burned"], c["leftover"], c["rewards"])
    for reward in c["rewards"]:
        pool = rewards.StakingPool(0, False, c["commission_bp"])
        pool.stake(1000 * WAL, 0)
        pool.advance_epoch(1, 0)
        assert pool.advance_epoch(2, reward)[:2] == (reward, 0)
        assert pool.collect_commission() == 0
        pool.clear_blocked_commission()
        assert pool.collect_commission() == reward


def test_commission_vectors() -> None:
    for c in VECTORS["commission"]["cases"]:
        assert rewards.commission_split(c["reward"], c["rate_bp"]) == (c["commission"], c["pool_part"])


# ------------------------------------------------------------------------------------------
# §4: staking pools


def _amount(step: dict, wal: str, frost: str) -> int:
    return step[wal] * WAL if wal in step else step[frost]


def _run_pool(scenario: dict, rules: str) -> None:
    pool = rewards.StakingPool(0, False, scenario["commission_bp"])
    epoch, selected, stakes = 0, False, {}
    for i, step in enumerate(scenario["steps"]):
        at = f"{scenario['name']} ({rules}) step {i}: {step}"
        op = step["op"]
        if op == "stake":
            stakes[step["id"]] = pool.stake(_amount(step, "wal", "frost"), epoch, selected)
        elif op == "select_committee":
            selected = True
        elif op == "next_epoch":
            epoch += 1
            selected = False
            if not step.get("skip"):
                pool.advance_epoch(epoch, _amount(step, "reward_wal", "reward_frost"), rules)
        elif op == "request_withdraw":
            stakes[step["id"]] = pool.request_withdraw(stakes[step["id"]], epoch, step["in_current"], step["in_next"])
        elif op == "withdraw":
            got = pool.withdraw(stakes.pop(step["id"]), epoch, step["in_current"], step["in_next"])
            assert got == _amount(step, "expect_wal", "expect_frost"), at
        elif op == "split":
            stakes[step["id"]], stakes[step["new_id"]] = stakes[step["id"]].split(_amount(step, "wal", "frost"))
        elif op == "expect_balance_at":
            assert pool.wal_balance_at_epoch(step["epoch"]) == step["wal"] * WAL, at
        elif op == "expect_wal_balance":
            assert pool.wal_balance == step["wal"] * WAL, at
        elif op == "set_next_commission":
            pool.set_next_commission(step["bp"], epoch)
        elif op == "expect_commission_rate":
            assert pool.commission_rate == step["bp"], at
        elif op == "expect_commission":
            assert pool.commission_amount == step["frost"], at
        elif op == "add_commission":
            pool.add_commission(step["frost"], step["block"])
        elif op == "clear_blocked":
            pool.clear_blocked_commission()
        elif op == "collect":
            assert pool.collect_commission() == step["expect_frost"], at
        elif op == "expect_rewards_pool":
            assert pool.rewards_pool == step["frost"], at
        else:
            raise AssertionError(f"{at}: unknown op")


@pytest.mark.parametrize("scenario", VECTORS["staking_pool"]["scenarios"], ids=lambda s: s["name"])
def test_staking_pool_scenario(scenario: dict) -> None:
    rules = {"both": ["mainnet", "development"], "mainnet": ["mainnet"], "development": ["development"]}
    for r in rules[scenario["rules"]]:
        _run_pool(scenario, r)


def test_pool_calls_that_abort_change_nothing() -> None:
    pool = rewards.StakingPool()
    with pytest.raises(rewards.RewardsError, match="without stake"):
        pool.advance_epoch(1, 5)
    assert pool.latest_epoch == 0
    with pytest.raises(rewards.RewardsError, match="below the minimum"):
        pool.stake(WAL - 1, 0)
    sw = pool.stake(2 * WAL, 0)
    with pytest.raises(rewards.RewardsError, match="directly"):
        pool.request_withdraw(sw, 0, True, False)
    assert rewards.calculate_rewards(100, (0, 0), (200, 100)) == 100
    with pytest.raises(rewards.RewardsError, match="exchange rate"):
        rewards.calculate_rewards(100, (1, 2), (0, 0))


def test_epoch_clock() -> None:
    week = 7 * 24 * 60 * 60 * 1000
    clock = rewards.EpochClock(0, week, week)
    assert clock.state == ("EpochChangeDone", 0)
    with pytest.raises(rewards.RewardsError, match="too early"):
        clock.voting_end(week - 1)
    clock.voting_end(week)
    assert clock.committee_selected
    assert clock.initiate_epoch_change(week) == 1
    # staking_inner_tests.move::test_epoch_sync_done: 90 of 300 shards is no quorum, 90 + 210 is.
    assert not clock.epoch_sync_done(1, 90, 300, 2 * week)
    assert clock.epoch_sync_done(1, 210, 300, 2 * week)
    with pytest.raises(rewards.RewardsError, match="another epoch"):
        clock.epoch_sync_done(0, 1, 300, 2 * week)
    with pytest.raises(rewards.RewardsError, match="too early"):
        clock.voting_end(2 * week + week // 2 - 1)
    clock.voting_end(2 * week + week // 2)
    assert clock.initiate_epoch_change(3 * week) == 2


# ------------------------------------------------------------------------------------------
# §5: committee selection


@pytest.mark.parametrize("case", VECTORS["dhondt"]["cases"], ids=lambda c: f"n{c['n_shards']}-{len(c['stakes'])}")
def test_dhondt(case: dict) -> None:
    assert rewards.dhondt(case["stakes"], case["n_shards"]) == case["expected"]


def test_dhondt_large_caps_and_no_stake() -> None:
    d = VECTORS["dhondt"]
    with pytest.raises(rewards.RewardsError, match="ENoStake"):
        rewards.dhondt(d["no_stake"]["stakes"], d["no_stake"]["n_shards"])
    large = d["large"]
    for c in large["cases"]:
        stakes = [large["total_stake"] * bp // 10_000 for bp, count in c["bp_runs"] for _ in range(count)]
        out = rewards.dhondt(stakes, large["n_shards"])
        with_shards = [s for s in out if s]
        assert len(with_shards) == c["nodes_with_shards"]
        assert sum(out) == large["n_shards"]
        if "all_at_cap" in c:
            assert set(with_shards) == {c["all_at_cap"]}
    caps = VECTORS["shard_caps"]
    for n_nodes, cap in caps["cases"]:
        assert rewards.max_shards_per_node(n_nodes, caps["n_shards"]) == cap


def test_committee_and_active_set() -> None:
    c = VECTORS["committee"]
    first = rewards.committee_initialize([tuple(x) for x in c["initialize"]["counts"]])
    assert [[i, s] for i, s in first] == c["initialize"]["expected"]
    nxt = rewards.committee_transition(first, [tuple(x) for x in c["transition"]["counts"]])
    assert [[i, s] for i, s in nxt] == c["transition"]["expected"]
    with pytest.raises(rewards.RewardsError, match="shard assignment"):
        rewards.committee_transition(first, [(1, 7)])
    # 32-byte IDs are the same IDs as ints (big-endian u256).
    assert rewards.committee_initialize([((3).to_bytes(32, "big"), 2)]) == [(3, [0, 1])]

    for s in VECTORS["active_set"]["scenarios"]:
        active = rewards.ActiveSet(s["max_size"], s["threshold"])
        for step in s["steps"]:
            if "node" in step:
                active.insert_or_update(step["node"], step["stake"])
            if "expect_size" in step:
                assert len(active) == step["expect_size"], (s["name"], step)
            if "expect_min_stake" in step:
                assert active.min_stake == step["expect_min_stake"], (s["name"], step)
            if "expect_ids" in step:
                assert sorted(i for i, _ in active.nodes()) == step["expect_ids"], (s["name"], step)


# ------------------------------------------------------------------------------------------
# §6: subsidies


def test_legacy_subsidies() -> None:
    legacy = VECTORS["legacy_subsidies"]
    cost = rewards.storage_cost(legacy["storage_price"], legacy["size"], legacy["epochs"])
    assert cost == legacy["cost"]
    epochs = legacy["epochs"]
    cases = [(c, 0) for c in legacy["cases"]] + [(c, legacy["extend"]["write_fee"]) for c in legacy["extend"]["cases"]]
    for c, write_fee in cases:
        out = rewards.legacy_purchase(cost, c["pay"], c["pool"], c["buyer_bp"], c["system_bp"])
        if c["buyer_coin"] is not None:
            assert out["buyer_coin"] == c["buyer_coin"], c
        assert out["pool"] == c["pool_after"], c
        if c["buckets"] is not None:
            ring = rewards.FutureAccounting(104)
            ring.add_rewards(0, write_fee)
            ring.reserve(legacy["size"], 0, epochs, cost // epochs)
            ring.add_subsidy(out["system_subsidy"], epochs)
            assert [b[2] for b in ring.buckets()[:epochs]] == c["buckets"], c


def test_walrus_subsidies() -> None:
    w = VECTORS["walrus_subsidies"]
    ring = rewards.FutureAccounting(53, 1)
    per_epoch = rewards.storage_cost_per_epoch(w["storage_price"], w["size"])
    for k in w["reservations_epochs"]:
        ring.reserve(w["size"], 0, k, per_epoch)
    usage = [b[2] for b in ring.buckets()[:5]]
    assert usage == w["usage"]
    assert [rewards.usage_subsidy(x, 0, w["rate_bp"]) for x in usage] == w["subsidy"]
    subsidies, post = rewards.usage_subsidies(usage, [0] * len(usage), w["rate_bp"], U64_MAX)
    assert subsidies == w["subsidy"]
    assert post == [u + s for u, s in zip(usage, w["subsidy"])]
    with pytest.raises(rewards.RewardsError, match="insufficient"):
        rewards.usage_subsidies(usage, [0] * len(usage), w["rate_bp"], sum(w["subsidy"]) - 1)
    for c in w["fixed_timing"]["cases"]:
        latest = rewards.initial_latest_epoch(c["created_epoch"])
        first = next(e for e in range(c["created_epoch"], 100) if rewards.fixed_subsidy_epoch(latest, e) is not None)
        assert first == c["first_payment_epoch"]
        assert rewards.fixed_subsidy_epoch(latest, first) == c["pays_for"]
    f = w["fixed"]
    assert rewards.fixed_subsidy(f["base"], f["per_shard"], f["shards"]) == f["expected"]


# ------------------------------------------------------------------------------------------
# Typed errors


@pytest.mark.parametrize(
    "call",
    [
        lambda: rewards.storage_cost(U64_MAX, 2 * rewards.BYTES_PER_UNIT_SIZE, 1),
        lambda: rewards.storage_cost(U64_MAX // 2, 1, 3),
        lambda: rewards.burn_amount(U64_MAX // 3 + 1),
        lambda: rewards.capacity_vote(1, 1000, 0),
        lambda: rewards.commission_split(1, 10_001),
        lambda: rewards.distribute(U64_MAX, U64_MAX, [(65535, 0)]),
        lambda: rewards.quorum_below([], 10),
        lambda: rewards.quorum_below([(1, 11)], 10),
        lambda: rewards.dhondt([U64_MAX, 1], 10),
        lambda: rewards.dhondt([1] * 20, 5),
        lambda: rewards.usage_subsidy(1, 2, 100),
        lambda: rewards.fixed_subsidy(U64_MAX, 1, 1),
        lambda: rewards.write_fee(U64_MAX, 10**9, 1000),
        lambda: rewards.encoded_blob_length(1, 3),
        lambda: rewards.storage_units(-1),
        lambda: rewards.storage_units(2**64),
        lambda: rewards.commission_split(1, 2**16),
        lambda: rewards.FutureAccounting(0),
        lambda: rewards.FutureAccounting(3).lookup(3),
        lambda: rewards.ActiveSet(3).insert_or_update(2**256, 1),
        lambda: rewards.legacy_purchase(100, 10, 0, 0, 0),
    ],
)
def test_aborts_raise_rewards_error(call) -> None:
    with pytest.raises(rewards.RewardsError) as info:
        call()
    assert isinstance(info.value, morsa.MorsaError)
    assert isinstance(info.value, ValueError)


def test_ring_reserve_is_atomic() -> None:
    ring = rewards.FutureAccounting(3)
    ring.reserve(10, 0, 2, 5, 15)
    before = ring.buckets()
    with pytest.raises(rewards.RewardsError, match="storage exceeded"):
        ring.reserve(10, 0, 3, 5, 15)
    assert ring.buckets() == before


# ------------------------------------------------------------------------------------------
# Simulator


@pytest.fixture(scope="module")
def example_run() -> rewards.Simulator:
    sim = rewards.Simulator(rewards.SimulationConfig.from_file(EXAMPLE))
    sim.run(20)
    return sim


def test_simulator_conserves_rewards(example_run: rewards.Simulator) -> None:
    records = example_run.records
    by_epoch: dict[int, list[dict]] = {}
    for r in records:
        by_epoch.setdefault(r["epoch"], []).append(r)
    assert sorted(by_epoch) == list(range(1, 21))
    n_nodes = len(example_run.nodes)
    for epoch, rows in by_epoch.items():
        assert len(rows) == n_nodes
        r = rows[0]
        # paid + burned + carried over = collected, every epoch.
        assert r["epoch_burned"] + r["epoch_paid"] + r["epoch_leftover"] == r["epoch_collected"], epoch
        assert r["epoch_burned"] == r["epoch_collected"] * 3 // 100
        assert sum(x["reward"] for x in rows) == r["epoch_paid"], epoch
        assert sum(x["shards"] for x in rows) == example_run.n_shards, epoch
        for x in rows:
            assert x["commission"] + x["staker_reward"] == x["reward"]
            assert x["reward"] == 0 or x["shards"] > 0
    # Money in = money burned + money paid + what the ring still holds.
    payments = sum(by_epoch[e][0]["epoch_payments"] for e in by_epoch)
    burned = sum(by_epoch[e][0]["epoch_burned"] for e in by_epoch)
    paid = sum(by_epoch[e][0]["epoch_paid"] for e in by_epoch)
    held = sum(b["rewards_to_distribute"] for b in example_run.network.buckets())
    assert payments == burned + paid + held
    assert paid > 0 and burned > 0


def test_simulator_stake_bookkeeping(example_run: rewards.Simulator) -> None:
    config = example_run.config
    touched = {e.node for e in config.events if e.stake is not None or e.withdraw_all}
    genesis = {n.name: n.stake for n in config.nodes}
    for r in example_run.records:
        if r["node"] in touched:
            continue
        # Untouched nodes: stake grows by exactly the stakers' part of each reward.
        assert r["stake_after"] == r["stake"] + r["staker_reward"], r
    staker_total: dict[str, int] = {}
    for r in example_run.records:
        staker_total[r["node"]] = staker_total.get(r["node"], 0) + r["staker_reward"]
    for name in example_run.nodes:
        pool = example_run.node_summary(name)
        if name not in touched:
            assert pool["stake"] == genesis[name] + staker_total[name]
            assert pool["rewards_pool"] == staker_total[name]
    # The withdrawing node leaves the committee and gets back at least its principal.
    golf = [r for r in example_run.records if r["node"] == "golf"]
    assert sum(r["withdrawn"] for r in golf) >= genesis["golf"]
    assert golf[-1]["shards"] == 0 and example_run.node_summary("golf")["stake"] == 0
    # Juliet's extra stake (epoch 4) is active from epoch 5.
    juliet = {r["epoch"]: r for r in example_run.records if r["node"] == "juliet"}
    assert juliet[4]["stake_after"] - juliet[4]["stake"] - juliet[4]["staker_reward"] == 20_000_000 * WAL
    assert juliet[5]["stake"] == juliet[4]["stake_after"]
    assert juliet[5]["shards"] > juliet[4]["shards"]


def test_simulator_prices_are_votes(example_run: rewards.Simulator) -> None:
    votes = {n.storage_price for n in example_run.config.nodes} | {
        e.storage_price for e in example_run.config.events if e.storage_price is not None
    }
    writes = {n.write_price for n in example_run.config.nodes}
    for r in example_run.records:
        assert r["storage_price"] in votes
        assert r["write_price"] in writes
    assert {r["storage_price"] for r in example_run.records if r["epoch"] >= 9} == {200_000}


def test_simulate_rejects_bad_configs() -> None:
    with pytest.raises(rewards.RewardsError, match="nodes"):
        rewards.simulate({"nodes": []})
    with pytest.raises(rewards.RewardsError, match="stake"):
        rewards.simulate({"nodes": [{"name": "a"}]})
    with pytest.raises(rewards.RewardsError, match="integer"):
        rewards.simulate({"nodes": [{"stake_wal": 1.5}]})
    with pytest.raises(rewards.RewardsError, match="unknown node"):
        rewards.simulate({"nodes": [{"stake_wal": 5}], "events": [{"epoch": 1, "node": "x", "commission_bp": 1}]}, 2)
    with pytest.raises(rewards.RewardsError, match="out of range"):
        rewards.simulate({"nodes": [{"stake_wal": 5, "commission_bp": 20_000}]}, 1)


# ------------------------------------------------------------------------------------------
# Command line


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_cli_plot_csv_and_json(run_cli, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    png, table, records = tmp_path / "r.png", tmp_path / "r.csv", tmp_path / "r.json"
    result = run_cli("rewards", "simulate", "--config", EXAMPLE, "--epochs", 6, "--plot", png, "--out", table)
    assert result.returncode == 0, result.stderr
    assert "collected WAL" in result.stdout
    data = png.read_bytes()
    width, height = _png_size(data)
    assert width >= 400 and height >= 400 and len(data) > 20_000
    rows = list(csv.DictReader(table.open(encoding="utf-8")))
    assert len(rows) == 6 * 10
    assert {int(r["epoch"]) for r in rows} == set(range(1, 7))
    for r in rows:
        assert int(r["commission"]) + int(r["staker_reward"]) == int(r["reward"])

    result = run_cli("rewards", "simulate", "--config", EXAMPLE, "--epochs", 3, "--out", records)
    assert result.returncode == 0, result.stderr
    loaded = json.loads(records.read_text(encoding="utf-8"))
    assert len(loaded) == 30 and loaded[0]["epoch"] == 1
    assert loaded == rewards.simulate(json.loads(EXAMPLE.read_text(encoding="utf-8")), 3)


def test_cli_errors(run_cli, tmp_path: Path) -> None:
    result = run_cli("rewards", "simulate", "--config", tmp_path / "missing.json")
    assert result.returncode == 2 and "no such file" in result.stderr
    bad = tmp_path / "bad.json"
    bad.write_text('{"nodes": [{"stake_wal": 1}], "rules": "testnet"}', encoding="utf-8")
    result = run_cli("rewards", "simulate", "--config", bad)
    assert result.returncode == 2 and "rules" in result.stderr
    assert result.stderr.count("\n") == 1


def test_cli_without_matplotlib(monkeypatch, tmp_path: Path, capsys) -> None:
    from morsa import cli

    monkeypatch.setitem(sys.modules, "matplotlib", None)
    status = cli.main(["rewards", "simulate", "--config", str(EXAMPLE), "--epochs", "2", "--plot", str(tmp_path / "x.png")])
    assert status == 2
    err = capsys.readouterr().err
    assert "matplotlib" in err and "morsa[plot]" in err and err.count("\n") == 1
    assert not (tmp_path / "x.png").exists()


# ------------------------------------------------------------------------------------------
# Simulator invariants over random networks

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_node = st.fixed_dictionaries(
    {
        "stake_wal": st.integers(1, 10**7),
        "commission_bp": st.integers(0, 10_000),
        "storage_price": st.sampled_from([1, 1000, 100_000, 10**9]),
        "write_price": st.sampled_from([0, 20_000, 10**6]),
        "capacity": st.integers(10**9, 10**14),
        "deny_list_size": st.sampled_from([0, 0, 10**6, 10**12]),
    }
)
_purchase = st.fixed_dictionaries(
    {"size": st.integers(0, 10**9), "epochs": st.integers(1, 12), "count": st.integers(0, 5), "start_epoch": st.integers(1, 3)}
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    nodes=st.lists(_node, min_size=1, max_size=25),
    purchases=st.lists(_purchase, max_size=3),
    n_shards=st.sampled_from([10, 100, 1000]),
    rules=st.sampled_from(["mainnet", "development"]),
    withdraw_epoch=st.integers(1, 4),
)
def test_random_networks_conserve_rewards(nodes, purchases, n_shards, rules, withdraw_epoch) -> None:
    config = {
        "n_shards": n_shards,
        "max_epochs_ahead": 12,
        "rules": rules,
        "nodes": nodes,
        "purchases": purchases,
        # With one node, withdrawing everything leaves no stake: voting_end aborts (ENoStake).
        "events": [{"epoch": withdraw_epoch, "node": "node-0", "withdraw_all": True}] if len(nodes) > 1 else [],
    }
    try:
        sim = rewards.Simulator(rewards.SimulationConfig.from_dict(config))
    except rewards.RewardsError as e:
        # Too few shards for the cap (e.g. 10 shards over 20+ nodes): the contract aborts too.
        assert "shards" in str(e)
        return
    sim.run(5)
    payments = burned = paid = 0
    for epoch in range(1, 6):
        rows = [r for r in sim.records if r["epoch"] == epoch]
        r = rows[0]
        assert r["epoch_burned"] + r["epoch_paid"] + r["epoch_leftover"] == r["epoch_collected"]
        assert sum(x["reward"] for x in rows) == r["epoch_paid"]
        assert sum(x["shards"] for x in rows) == n_shards
        # The cap for the active-set size at selection is at most the cap for the nodes that got
        # shards (fewer nodes, larger cap).
        cap = rewards.max_shards_per_node(sum(1 for x in rows if x["shards"]), n_shards)
        assert all(x["shards"] <= cap for x in rows)
        for x in rows:
            assert x["commission"] + x["staker_reward"] == x["reward"]
        payments += r["epoch_payments"]
        burned += r["epoch_burned"]
        paid += r["epoch_paid"]
    assert payments == burned + paid + sum(b["rewards_to_distribute"] for b in sim.network.buckets())
    # Stakers' rewards stay in the pools or were paid out with withdrawals.
    for name in sim.nodes:
        pool = sim.node_summary(name)
        staker = sum(x["staker_reward"] for x in sim.records if x["node"] == name)
        withdrawn = sum(x["withdrawn"] for x in sim.records if x["node"] == name)
        principal = next(n.stake for n in sim.config.nodes if n.name == name)
        assert pool["rewards_pool"] + max(0, withdrawn - principal) == staker


def test_simulated_extensions_pay_the_epochs_after_the_end() -> None:
    """An extension (REWARDS.md §1.7) pays the storage of its blob's encoded size into the
    buckets after its end epoch: the epochs it covers collect it, earlier ones do not."""
    base = {
        "n_shards": 100,
        "max_epochs_ahead": 10,
        "nodes": [{"stake_wal": 1000}, {"stake_wal": 2000}],
        "purchases": [{"size": 5_000_000, "epochs": 2, "start_epoch": 1, "end_epoch": 1}],
    }
    plain = rewards.simulate(base, 6)
    extended = rewards.simulate({**base, "extensions": [{"epoch": 2, "size": 5_000_000, "end_epoch": 3, "epochs": 2}]}, 6)
    collected = {r["epoch"]: r["epoch_collected"] for r in plain}
    more = {r["epoch"]: r["epoch_collected"] for r in extended}
    per_epoch = rewards.storage_cost_per_epoch(100_000, rewards.encoded_blob_length(5_000_000, 100, 1))
    # Epochs 3 and 4 collect the extension (and whatever leftover it changed rolls over).
    assert more[3] - collected[3] >= per_epoch and more[4] - collected[4] >= per_epoch
    assert more[1] == collected[1] and more[2] == collected[2]
    assert sum(r["epoch_payments"] for r in extended if r["node"] == "node-0") == sum(
        r["epoch_payments"] for r in plain if r["node"] == "node-0"
    ) + 2 * per_epoch
    with pytest.raises(rewards.RewardsError, match="extension in epoch 4"):
        rewards.simulate({**base, "extensions": [{"epoch": 4, "size": 5_000_000, "end_epoch": 3, "epochs": 2}]}, 6)


def test_cli_prints_each_delegators_rewards(run_cli, tmp_path: Path) -> None:
    """``--stakes`` lists every stake object with its staker and rewards; the numbers are the
    simulator's (the same state machine as the devnet's control plane)."""
    config = {
        "n_shards": 100,
        "nodes": [{"name": "a", "stake_wal": 1000}, {"name": "b", "stake_wal": 3000}],
        "purchases": [{"size": 10**8, "epochs": 5}],
        "events": [
            {"epoch": 1, "node": "a", "staker": "dana", "stake_wal": 500},
            {"epoch": 2, "node": "b", "staker": "eve", "stake_wal": 100},
        ],
        "epochs": 4,
    }
    path = tmp_path / "delegators.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    result = run_cli("rewards", "simulate", "--config", path, "--stakes")
    assert result.returncode == 0, result.stderr
    sim = rewards.Simulator(rewards.SimulationConfig.from_dict(config))
    sim.run(4)
    dana = next(s for s in sim.stake_summaries() if s["staker"] == "dana")
    assert dana["rewards"] > 0
    line = next(line for line in result.stdout.splitlines() if " dana " in line)
    assert f"{dana['rewards']:,}" in line and "500.000" in line
    result = run_cli("rewards", "simulate", "--config", path, "--stakes", "--json")
    stakes = [json.loads(line)["stake"] for line in result.stdout.splitlines() if line.startswith('{"stake"')]
    assert {s["staker"] for s in stakes} == {"a", "b", "dana", "eve"}
