//! `Network`: the core's economy state machine (`morsa_core::rewards::network`, REWARDS.md
//! §1–§5) for JavaScript. Conversion and error mapping only: results are plain objects through
//! serde (serde-wasm-bindgen; u64 amounts as `bigint`, snake_case keys as in every binding),
//! errors are `MorsaError` with code `REWARDS` and `reason` = the core's `RewardsError::code`.

use js_sys::Reflect;
use morsa_core::rewards::committee::NodeId;
use morsa_core::rewards::network::{Address, Network as CoreNetwork, NetworkParams, VoteUpdate};
use morsa_core::rewards::pricing::VotingParams;
use morsa_core::rewards::RewardsError;
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::errors::{invalid, js_err, parse};

/// A core value as a JS object (u64 as bigint, maps as plain objects).
pub(crate) fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    let serializer = serde_wasm_bindgen::Serializer::new()
        .serialize_large_number_types_as_bigints(true)
        .serialize_maps_as_objects(true)
        .serialize_missing_as_null(true);
    value.serialize(&serializer).map_err(|e| invalid(e.to_string()))
}

fn err(e: RewardsError) -> JsValue {
    let value = js_err(e);
    let _ = Reflect::set(&value, &JsValue::from_str("reason"), &JsValue::from_str(e.code()));
    value
}

fn node_id(text: &str) -> Result<NodeId, JsValue> {
    text.parse().map_err(|_| invalid(format!("{text:?} is not a node ID (64 hex digits, 0x optional)")))
}

fn address(text: &str) -> Result<Address, JsValue> {
    match text.parse::<NodeId>() {
        Ok(id) if text.starts_with("0x") => Ok(Address(id.0)),
        _ => Err(invalid(format!("{text:?} is not an account address (0x and 64 hex digits)"))),
    }
}

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &str = r#"
/** Votes of a node (REWARDS.md §1.1–§1.2): FROST per MiB unit (per epoch for storage), bytes. */
export interface Votes { storage_price: bigint; write_price: bigint; node_capacity: bigint }
/** What storing a blob costs (REWARDS.md §1.5–§1.6), FROST; encoded length in bytes. */
export interface BlobCost {
  encoded_length: bigint; storage_units: bigint; storage_per_epoch: bigint;
  storage_total: bigint; write_fee: bigint; total: bigint;
}
/** A stake object (REWARDS.md §4.1). */
export interface StakeInfo {
  id: bigint; node: string; owner: string;
  staked: { principal: bigint; activation_epoch: number; withdraw_epoch: number | null };
}
/** A stake object with the rewards it earned so far (REWARDS.md §4.5). */
export interface StakeSummary extends StakeInfo { rewards: bigint }
/** A storage node's economic state. */
export interface NodeSummary {
  node: string; stake: bigint; next_stake: bigint; rewards_pool: bigint; commission: bigint;
  commission_blocked: bigint; commission_rate: number; votes: Votes; deny_list_size: bigint;
  shards: number[]; next_shards: number[]; in_active_set: boolean;
}
/** One member's reward at an epoch change (REWARDS.md §3.1, §3.4). */
export interface NodeReward {
  node: string; shards: number; reward: bigint; commission: bigint; pool_part: bigint; commission_rate: number;
}
/** What an epoch change did: collected = burned + paid + leftover (REWARDS.md §2). */
export interface EpochReport {
  closed_epoch: number; epoch: number; collected: bigint; burned: bigint; paid: bigint;
  leftover: bigint; used_capacity: bigint; rewards: NodeReward[];
}
/** A withdrawal's outcome (REWARDS.md §4.2). */
export type Withdrawal = { outcome: 'withdrawn'; amount: bigint } | { outcome: 'requested'; withdraw_epoch: number };
/** A transition of the epoch timer. */
export type Transition = { transition: 'voting_end'; epoch: number } | ({ transition: 'epoch_change' } & EpochReport);
/** The whole network's state. */
export interface NetworkSummary {
  params: { n_shards: number; max_epochs_ahead: number; rules: 'mainnet' | 'development'; epoch_duration_ms: bigint };
  epoch: number; committee_selected: boolean; epoch_started_ms: bigint; next_epoch_change_ms: bigint | null;
  storage_price: bigint; write_price: bigint; total_capacity: bigint; used_capacity: bigint;
  current_rewards: bigint; burned_total: bigint; paid_total: bigint; committee: [string, number[]][];
}
"#;

/// The economy of a Walrus network as one state machine: epochs, committee selection, prices
/// from votes, storage accounting, the burn, rewards, commission and staking pools
/// (REWARDS.md §1–§5). Node IDs and addresses are `0x` and 64 hex digits; amounts are bigint
/// FROST. A failed call throws and leaves the network unchanged.
#[wasm_bindgen]
pub struct Network(CoreNetwork);

#[wasm_bindgen]
impl Network {
    /// A network at epoch 0 (`rules`: `"mainnet"` or `"development"`; `epochDurationMs` 0:
    /// epochs change only with `advanceEpoch`).
    #[wasm_bindgen(constructor)]
    pub fn new(
        n_shards: u16,
        max_epochs_ahead: u32,
        rules: Option<String>,
        epoch_duration_ms: Option<u64>,
        now_ms: Option<u64>,
    ) -> Result<Network, JsValue> {
        let params = NetworkParams {
            n_shards,
            max_epochs_ahead,
            rules: parse(rules.as_deref().unwrap_or("mainnet"))?,
            epoch_duration_ms: epoch_duration_ms.unwrap_or(0),
        };
        CoreNetwork::new(params, now_ms.unwrap_or(0)).map(Network).map_err(err)
    }

    /// The state as bytes (postcard), for storage.
    #[wasm_bindgen(js_name = toBytes)]
    pub fn to_bytes(&self) -> Result<Vec<u8>, JsValue> {
        postcard::to_allocvec(&self.0).map_err(|e| invalid(e.to_string()))
    }

    /// A network from `toBytes`.
    #[wasm_bindgen(js_name = fromBytes)]
    pub fn from_bytes(data: &[u8]) -> Result<Network, JsValue> {
        postcard::from_bytes(data).map(Network).map_err(|e| invalid(format!("not a saved network state: {e}")))
    }

    /// The current epoch.
    #[wasm_bindgen(getter)]
    pub fn epoch(&self) -> u32 {
        self.0.epoch()
    }

    /// `{params, epoch, committee_selected, storage_price, write_price, total_capacity,
    /// used_capacity, current_rewards, burned_total, paid_total, committee, …}`.
    #[wasm_bindgen(unchecked_return_type = "NetworkSummary")]
    pub fn summary(&self) -> Result<JsValue, JsValue> {
        to_js(&self.0.summary().map_err(err)?)
    }

    /// A node's stake, pool, commission, votes and shards.
    #[wasm_bindgen(unchecked_return_type = "NodeSummary")]
    pub fn node(&self, node: &str) -> Result<JsValue, JsValue> {
        to_js(&self.0.node_summary(&node_id(node)?).map_err(err)?)
    }

    /// Every node's summary, in ascending ID order.
    #[wasm_bindgen(unchecked_return_type = "NodeSummary[]")]
    pub fn nodes(&self) -> Result<JsValue, JsValue> {
        let all = self.0.nodes().map(|(id, _)| self.0.node_summary(id)).collect::<Result<Vec<_>, _>>().map_err(err)?;
        to_js(&all)
    }

    /// Every stake object with its rewards so far.
    #[wasm_bindgen(unchecked_return_type = "StakeSummary[]")]
    pub fn stakes(&self) -> Result<JsValue, JsValue> {
        let all = self.0.stakes().map(|s| self.0.stake_summary(s.id)).collect::<Result<Vec<_>, _>>().map_err(err)?;
        to_js(&all)
    }

    /// `register_candidate` (REWARDS.md §4.1).
    #[wasm_bindgen(js_name = registerNode)]
    pub fn register_node(
        &mut self,
        node: &str,
        commission_rate: u16,
        storage_price: u64,
        write_price: u64,
        node_capacity: u64,
    ) -> Result<(), JsValue> {
        let votes = VotingParams { storage_price, write_price, node_capacity };
        self.0.register_node(node_id(node)?, commission_rate, votes).map_err(err)
    }

    /// New votes (`undefined` keeps one); prices update at once (REWARDS.md §1.1).
    pub fn vote(
        &mut self,
        node: &str,
        storage_price: Option<u64>,
        write_price: Option<u64>,
        node_capacity: Option<u64>,
    ) -> Result<(), JsValue> {
        self.0.vote(&node_id(node)?, VoteUpdate { storage_price, write_price, node_capacity }).map_err(err)
    }

    /// The commission rate from epoch E + 2 (REWARDS.md §3.5).
    #[wasm_bindgen(js_name = setCommissionRate)]
    pub fn set_commission_rate(&mut self, node: &str, rate_bp: u16) -> Result<(), JsValue> {
        self.0.set_commission_rate(&node_id(node)?, rate_bp).map_err(err)
    }

    /// Stake `amount` FROST (REWARDS.md §4.1); the stake object.
    #[wasm_bindgen(unchecked_return_type = "StakeInfo")]
    pub fn stake(&mut self, owner: &str, node: &str, amount: u64) -> Result<JsValue, JsValue> {
        let stake = self.0.stake(address(owner)?, &node_id(node)?, amount).map_err(err)?;
        to_js(&stake)
    }

    /// Pays out a due or directly withdrawable stake, else requests it (REWARDS.md §4.2):
    /// `{outcome: "withdrawn", amount}` or `{outcome: "requested", withdraw_epoch}`.
    #[wasm_bindgen(unchecked_return_type = "Withdrawal")]
    pub fn withdraw(&mut self, owner: &str, stake_id: u64) -> Result<JsValue, JsValue> {
        let outcome = self.0.withdraw(&address(owner)?, stake_id).map_err(err)?;
        to_js(&outcome)
    }

    /// `reserve_space` + `register_blob` of `size` unencoded bytes (REWARDS.md §1.5–§1.6).
    #[wasm_bindgen(js_name = buyStorage, unchecked_return_type = "BlobCost")]
    pub fn buy_storage(&mut self, size: u64, epochs_ahead: u32) -> Result<JsValue, JsValue> {
        let cost = self.0.buy_storage(size, epochs_ahead).map_err(err)?;
        to_js(&cost)
    }

    /// `voting_end` if needed, then the epoch change; the epoch report.
    #[wasm_bindgen(js_name = advanceEpoch, unchecked_return_type = "EpochReport")]
    pub fn advance_epoch(&mut self, now_ms: u64) -> Result<JsValue, JsValue> {
        let report = self.0.advance_epoch(now_ms).map_err(err)?;
        to_js(&report)
    }

    /// The transitions due at `nowMs` on the epoch timer.
    #[wasm_bindgen(unchecked_return_type = "Transition[]")]
    pub fn tick(&mut self, now_ms: u64) -> Result<JsValue, JsValue> {
        let done = self.0.tick(now_ms).map_err(err)?;
        to_js(&done)
    }
}
