//! The protocol's reward math (REWARDS.md), integer-exact as the Move contracts compute it.
//! Amounts are `bigint` FROST; pairs are returned as two-element `BigUint64Array`s. Every
//! abort of the contract is an `Error` with code `REWARDS`.

use morsa_core::rewards::{accounting, committee, distribution, pricing, subsidies};
use wasm_bindgen::prelude::*;

use crate::errors::*;

/// The encoded length in bytes the chain charges for (REWARDS.md §1.3; RS2 is encoding type 1).
#[wasm_bindgen(js_name = encodedBlobLength)]
pub fn encoded_blob_length(size: u64, n_shards: u16, encoding_type: Option<u8>) -> Result<u64, JsValue> {
    pricing::encoded_blob_length(size, encoding_type.unwrap_or(1), n_shards).map_err(js_err)
}

/// Storage units (MiB, rounded up) of `bytes` (REWARDS.md §1.4).
#[wasm_bindgen(js_name = storageUnits)]
pub fn storage_units(bytes: u64) -> u64 {
    pricing::storage_units(bytes)
}

/// Storage cost per epoch of `size` encoded bytes at `storagePrice` FROST per unit (§1.5).
#[wasm_bindgen(js_name = storageCostPerEpoch)]
pub fn storage_cost_per_epoch(storage_price: u64, size: u64) -> Result<u64, JsValue> {
    pricing::storage_cost_per_epoch(storage_price, size).map_err(js_err)
}

/// Storage cost of `size` encoded bytes for `epochs` epochs (§1.5).
#[wasm_bindgen(js_name = storageCost)]
pub fn storage_cost(storage_price: u64, size: u64, epochs: u32) -> Result<u64, JsValue> {
    pricing::storage_cost(storage_price, size, epochs).map_err(js_err)
}

/// The write fee of a blob of `size` unencoded bytes (§1.6).
#[wasm_bindgen(js_name = writeFee)]
pub fn write_fee(write_price: u64, size: u64, n_shards: u16) -> Result<u64, JsValue> {
    pricing::write_fee(write_price, size, n_shards).map_err(js_err)
}

/// What storing a blob costs: `{encoded_length, storage_units, storage_per_epoch,
/// storage_total, write_fee, total}` as bigints (§1.5–§1.6).
#[wasm_bindgen(js_name = blobCost, unchecked_return_type = "BlobCost")]
pub fn blob_cost(
    storage_price: u64,
    write_price: u64,
    size: u64,
    epochs: u32,
    n_shards: u16,
) -> Result<JsValue, JsValue> {
    let c = pricing::blob_cost(storage_price, write_price, size, epochs, n_shards).map_err(js_err)?;
    crate::network::to_js(&c)
}

/// Whether weight `w` of `n` is a quorum, `3w ≥ 2n + 1` (§1.1).
#[wasm_bindgen(js_name = isQuorum)]
pub fn is_quorum(weight: u64, n_shards: u64) -> Result<bool, JsValue> {
    pricing::is_quorum(weight, n_shards).map_err(js_err)
}

/// Whether weight `w` of `n` is above validity, `3w ≥ n + 1` (§1.1).
#[wasm_bindgen(js_name = isAboveValidity)]
pub fn is_above_validity(weight: u64, n_shards: u64) -> Result<bool, JsValue> {
    pricing::is_above_validity(weight, n_shards).map_err(js_err)
}

/// A node's capacity vote per shard (§1.2).
#[wasm_bindgen(js_name = capacityVote)]
pub fn capacity_vote(node_capacity: u64, n_shards: u16, weight: u16) -> Result<u64, JsValue> {
    pricing::capacity_vote(node_capacity, n_shards, weight).map_err(js_err)
}

/// The amount burnt from a bucket at the epoch change (§3).
#[wasm_bindgen(js_name = burnAmount)]
pub fn burn_amount(bucket_value: u64) -> Result<u64, JsValue> {
    accounting::burn_amount(bucket_value).map_err(js_err)
}

/// `[commission, rest]` of `reward` at `rateBp` basis points (§4).
#[wasm_bindgen(js_name = commissionSplit)]
pub fn commission_split(reward: u64, rate_bp: u16) -> Result<Vec<u64>, JsValue> {
    distribution::commission_split(reward, rate_bp).map(|(a, b)| vec![a, b]).map_err(js_err)
}

/// The most shards one node may hold (§5.2).
#[wasm_bindgen(js_name = maxShardsPerNode)]
pub fn max_shards_per_node(n_nodes: usize, n_shards: u16) -> Result<u64, JsValue> {
    committee::max_shards_per_node(n_nodes, n_shards).map_err(js_err)
}

/// D'Hondt shard counts for `stakes` (§5.2).
#[wasm_bindgen]
pub fn dhondt(stakes: &[u64], n_shards: u16) -> Result<Vec<u16>, JsValue> {
    let mut out = vec![0u16; stakes.len()];
    committee::dhondt(stakes, n_shards, &mut out).map_err(js_err)?;
    Ok(out)
}

/// `[now, later]` split of a subsidy `value` for `epochs` of `maxEpochsAhead` (§6).
#[wasm_bindgen(js_name = subsidySplit)]
pub fn subsidy_split(value: u64, epochs: u32, max_epochs_ahead: u32) -> Result<Vec<u64>, JsValue> {
    accounting::subsidy_split(value, epochs, max_epochs_ahead).map(|(a, b)| vec![a, b]).map_err(js_err)
}

/// The usage subsidy on `bucketRewards` at `rateBp` (§6).
#[wasm_bindgen(js_name = usageSubsidy)]
pub fn usage_subsidy(bucket_rewards: u64, already_subsidized: u64, rate_bp: u32) -> Result<u64, JsValue> {
    subsidies::usage_subsidy(bucket_rewards, already_subsidized, rate_bp).map_err(js_err)
}

/// The fixed subsidy of a node with `shards` shards (§6).
#[wasm_bindgen(js_name = fixedSubsidy)]
pub fn fixed_subsidy(base_subsidy: u64, subsidy_per_shard: u64, shards: u16) -> Result<u64, JsValue> {
    subsidies::fixed_subsidy(base_subsidy, subsidy_per_shard, shards).map_err(js_err)
}
