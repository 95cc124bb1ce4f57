//! The codec: encoding configuration, blob IDs (of bytes, or of chunks fed in order), metadata,
//! slivers, decoding, recovery and the pair ↔ shard mapping (SPEC §1–§8).

use core::num::NonZeroU16;

use js_sys::{Function, Uint8Array};
use morsa_core::encoding::{
    self, mapping, recover_sliver as core_recover_sliver, BlobDecoder as CoreBlobDecoder, BlobSource, ConsistencyCheck,
    EncodedBlob as CoreEncodedBlob, GeneralRecoverySymbol, RecoverySymbolSource, Sliver as CoreSliver, StreamError,
};
use morsa_core::metadata::{BlobMetadata as CoreBlobMetadata, BlobMetadataWithId, VerifiedBlobMetadataWithId};
use morsa_core::wire::{self, BcsDecode, BcsEncode};
use morsa_core::{Axis, BlobId, EncodingConfig as CoreConfig, EncodingType, Node};
use wasm_bindgen::prelude::*;

use crate::errors::*;
use morsa_core::encoding::StreamOptions;
use morsa_core::error::{ErrorKind, Kind};

// ---------------------------------------------------------------------------------------------
// Conversions

pub(crate) fn config(n_shards: u32) -> Result<CoreConfig, JsValue> {
    CoreConfig::try_from(n_shards).map_err(js_err)
}

fn parse_check(check: Option<String>) -> Result<ConsistencyCheck, JsValue> {
    check.map_or(Ok(ConsistencyCheck::Default), |c| parse(&c))
}

pub(crate) fn parse_blob_id(text: &str) -> Result<BlobId, JsValue> {
    text.parse::<BlobId>().map_err(|e| error(e.kind(), format!("{text:?}: {e}")))
}

fn index_u16(value: u32, what: &str) -> Result<u16, JsValue> {
    u16::try_from(value).map_err(|_| invalid(format!("{what} {value} is out of range (0..65535)")))
}

/// A size in bytes given as a JS number: a whole number in `0..=2^53`.
fn byte_size(value: f64, what: &str) -> Result<u64, JsValue> {
    if value.is_finite() && value >= 0.0 && value.fract() == 0.0 && value <= 9_007_199_254_740_992.0 {
        Ok(value as u64)
    } else {
        Err(invalid(format!("{what} must be a whole number of bytes, not {value}")))
    }
}

/// Calls a JS `(done, total)` progress callback; its exceptions are ignored (progress is advice).
fn with_progress<R>(callback: Option<&Function>, f: impl FnOnce(Option<encoding::ProgressFn<'_>>) -> R) -> R {
    match callback {
        Some(cb) => {
            let mut report = |done: u64, total: u64| {
                let _ = cb.call2(&JsValue::NULL, &JsValue::from(done as f64), &JsValue::from(total as f64));
            };
            f(Some(&mut report))
        }
        None => f(None),
    }
}

// ---------------------------------------------------------------------------------------------
// Encoding configuration

/// The RS2 encoding parameters for `nShards` shards (SPEC §1): `f = floor((n - 1) / 3)`,
/// `p = n - 2f` primary and `s = n - f` secondary source symbols.
#[wasm_bindgen]
pub struct EncodingConfig(CoreConfig);

#[wasm_bindgen]
impl EncodingConfig {
    /// Throws `ENCODING` for fewer than 4 or more than 49 155 shards.
    #[wasm_bindgen(constructor)]
    pub fn new(n_shards: u32) -> Result<EncodingConfig, JsValue> {
        config(n_shards).map(Self)
    }

    /// The number of shards `n`.
    #[wasm_bindgen(getter, js_name = nShards)]
    pub fn n_shards(&self) -> u16 {
        self.0.n_shards()
    }

    /// `f`, the number of faulty shards tolerated.
    #[wasm_bindgen(getter, js_name = maxFaulty)]
    pub fn max_faulty(&self) -> u16 {
        self.0.max_faulty()
    }

    /// `p = n - 2f`: primary source symbols (rows; symbols of a secondary sliver).
    #[wasm_bindgen(getter, js_name = nPrimarySourceSymbols)]
    pub fn n_primary_source_symbols(&self) -> u16 {
        self.0.n_primary_source_symbols()
    }

    /// `s = n - f`: secondary source symbols (columns; symbols of a primary sliver).
    #[wasm_bindgen(getter, js_name = nSecondarySourceSymbols)]
    pub fn n_secondary_source_symbols(&self) -> u16 {
        self.0.n_secondary_source_symbols()
    }

    /// The largest blob in bytes: `p * s * 65534` (SPEC §1.4).
    #[wasm_bindgen(getter, js_name = maxBlobSize)]
    pub fn max_blob_size(&self) -> f64 {
        self.0.max_blob_size() as f64
    }

    /// The symbol size in bytes for a blob of `blobSize` bytes (SPEC §1.3). Throws
    /// `BLOB_TOO_LARGE`.
    #[wasm_bindgen(js_name = symbolSize)]
    pub fn symbol_size(&self, blob_size: f64) -> Result<u16, JsValue> {
        let size = byte_size(blob_size, "blobSize")?;
        self.0.symbol_size(size).map(NonZeroU16::get).map_err(js_err)
    }

    /// The encoded length the chain charges for, in bytes (SPEC §1.4). Throws `BLOB_TOO_LARGE`.
    #[wasm_bindgen(js_name = encodedBlobLength)]
    pub fn encoded_blob_length(&self, blob_size: f64) -> Result<f64, JsValue> {
        let size = byte_size(blob_size, "blobSize")?;
        self.0.encoded_blob_length(size).map(|v| v as f64).map_err(js_err)
    }

    /// The bytes of one sliver of `axis` (`"primary"` or `"secondary"`) for a blob of
    /// `blobSize` bytes (SPEC §6).
    #[wasm_bindgen(js_name = sliverSize)]
    pub fn sliver_size(&self, axis: &str, blob_size: f64) -> Result<f64, JsValue> {
        let size = byte_size(blob_size, "blobSize")?;
        let symbol_size = self.0.symbol_size(size).map_err(js_err)?;
        Ok(self.0.sliver_len(parse::<Axis>(axis)?, symbol_size) as f64)
    }

    /// The number of slivers of `axis` that decoding needs: `p` primary or `s` secondary (SPEC §7).
    #[wasm_bindgen(js_name = sliversForReconstruction)]
    pub fn slivers_for_reconstruction(&self, axis: &str) -> Result<u16, JsValue> {
        Ok(self.0.n_slivers_for_reconstruction(parse::<Axis>(axis)?))
    }
}

// ---------------------------------------------------------------------------------------------
// Metadata

/// Verified blob metadata: blob ID, unencoded length and the sliver-pair hashes (SPEC §5).
/// Only verification and encoding make one.
#[wasm_bindgen]
pub struct BlobMetadata(pub(crate) VerifiedBlobMetadataWithId);

#[wasm_bindgen]
impl BlobMetadata {
    /// Parses BCS `BlobMetadataWithId` (what `GET /v1/blobs/{id}/metadata` returns) and
    /// verifies it for `nShards` shards (default: its number of pairs) and, when given, against
    /// `expectedBlobId` (SPEC §5.5). Throws `WIRE_FORMAT` or `VERIFICATION`.
    #[wasm_bindgen(js_name = fromBytes)]
    pub fn from_bytes(
        bytes: &[u8],
        n_shards: Option<u32>,
        expected_blob_id: Option<String>,
    ) -> Result<BlobMetadata, JsValue> {
        let expected = expected_blob_id.as_deref().map(parse_blob_id).transpose()?;
        let parsed = BlobMetadataWithId::from_bcs(bytes).map_err(js_err)?;
        let n = n_shards.unwrap_or(u32::try_from(parsed.metadata.hashes.len()).unwrap_or(u32::MAX));
        let verified = parsed.verify(&config(n)?).map_err(js_err)?;
        if let Some(expected) = expected {
            if *verified.blob_id() != expected {
                return Err(error(
                    ErrorKind::Verification,
                    format!("metadata is for blob {}, not the requested {expected}", verified.blob_id()),
                ));
            }
        }
        Ok(Self(verified))
    }

    /// Parses BCS `BlobMetadata` (without the blob ID, as `PUT /metadata` sends it) and
    /// verifies it against `blobId` for `nShards` shards.
    #[wasm_bindgen(js_name = fromMetadataBytes)]
    pub fn from_metadata_bytes(blob_id: &str, bytes: &[u8], n_shards: u32) -> Result<BlobMetadata, JsValue> {
        let blob_id = parse_blob_id(blob_id)?;
        let config = config(n_shards)?;
        let metadata = CoreBlobMetadata::from_bcs(bytes).map_err(js_err)?;
        BlobMetadataWithId { blob_id, metadata }.verify(&config).map(Self).map_err(js_err)
    }

    /// The blob ID (base64url without padding).
    #[wasm_bindgen(getter, js_name = blobId)]
    pub fn blob_id(&self) -> String {
        self.0.blob_id().to_string()
    }

    /// The 32 bytes of the blob ID.
    #[wasm_bindgen(getter, js_name = blobIdBytes)]
    pub fn blob_id_bytes(&self) -> Vec<u8> {
        self.0.blob_id().as_bytes().to_vec()
    }

    /// The Merkle root over the sliver-pair leaves (SPEC §5.3), as registered on chain.
    #[wasm_bindgen(getter, js_name = rootHash)]
    pub fn root_hash(&self) -> Vec<u8> {
        self.0.metadata().root_hash().bytes().to_vec()
    }

    /// The blob length in bytes.
    #[wasm_bindgen(getter, js_name = unencodedLength)]
    pub fn unencoded_length(&self) -> f64 {
        self.0.unencoded_length() as f64
    }

    /// The number of shards the metadata was verified for.
    #[wasm_bindgen(getter, js_name = nShards)]
    pub fn n_shards(&self) -> u16 {
        self.0.config().n_shards()
    }

    /// The symbol size in bytes (SPEC §1.3).
    #[wasm_bindgen(getter, js_name = symbolSize)]
    pub fn symbol_size(&self) -> u16 {
        self.0.symbol_size().get()
    }

    /// The encoding type (`"RS2"`).
    #[wasm_bindgen(getter, js_name = encodingType)]
    pub fn encoding_type(&self) -> String {
        self.0.metadata().encoding_type.to_string()
    }

    /// The encoding configuration.
    #[wasm_bindgen(getter)]
    pub fn config(&self) -> EncodingConfig {
        EncodingConfig(*self.0.config())
    }

    /// The BCS `BlobMetadataWithId` bytes.
    #[wasm_bindgen(js_name = toBytes)]
    pub fn to_bytes(&self) -> Vec<u8> {
        self.0.to_bcs()
    }

    /// The BCS `BlobMetadata` bytes (the body of `PUT /metadata`).
    #[wasm_bindgen(js_name = metadataBytes)]
    pub fn metadata_bytes(&self) -> Vec<u8> {
        self.0.metadata().to_bcs()
    }

    /// The shard that stores sliver pair `pairIndex` (SPEC §4.2).
    #[wasm_bindgen(js_name = shardForPair)]
    pub fn shard_for_pair(&self, pair_index: u32) -> Result<u16, JsValue> {
        let pair = index_u16(pair_index, "pair index")?;
        mapping::shard_index_for_pair(self.0.blob_id(), self.0.config().n_shards(), pair)
            .ok_or_else(|| invalid(format!("pair index {pair_index} is out of range")))
    }

    /// The sliver pair stored on shard `shardIndex` (SPEC §4.2).
    #[wasm_bindgen(js_name = pairForShard)]
    pub fn pair_for_shard(&self, shard_index: u32) -> Result<u16, JsValue> {
        let shard = index_u16(shard_index, "shard index")?;
        mapping::pair_index_for_shard(self.0.blob_id(), self.0.config().n_shards(), shard)
            .ok_or_else(|| invalid(format!("shard index {shard_index} is out of range")))
    }

    /// The sliver index of `axis` held by pair `pairIndex` (SPEC §4.1): `i` for primary,
    /// `n - 1 - i` for secondary.
    #[wasm_bindgen(js_name = sliverIndex)]
    pub fn sliver_index(&self, axis: &str, pair_index: u32) -> Result<u16, JsValue> {
        let pair = index_u16(pair_index, "pair index")?;
        self.0
            .config()
            .sliver_index(parse::<Axis>(axis)?, pair)
            .ok_or_else(|| invalid(format!("pair index {pair_index} is out of range")))
    }

    /// The sliver pair holding sliver `sliverIndex` of `axis` (SPEC §4.1).
    #[wasm_bindgen(js_name = pairIndex)]
    pub fn pair_index(&self, axis: &str, sliver_index: u32) -> Result<u16, JsValue> {
        let index = index_u16(sliver_index, "sliver index")?;
        self.0
            .config()
            .pair_index(parse::<Axis>(axis)?, index)
            .ok_or_else(|| invalid(format!("sliver index {sliver_index} is out of range")))
    }
}

/// The working memory of a blob-ID computation over bytes already in WebAssembly memory: the
/// byte stripes of the source rows and their row repair symbols (SPEC §14).
const IN_MEMORY_BUDGET: usize = 64 << 20;

/// The default working memory of [`compute_metadata_from_reader`]: the blob is read once per
/// byte stripe, so a larger budget reads less (a 1 GiB blob at 1000 shards: 13 stripes, about
/// 210 MiB of WebAssembly memory with the hash states).
const READER_BUDGET: usize = morsa_core::encoding::DEFAULT_STREAM_BUDGET;

/// The metadata of `source` through the streaming computation (batched hashing, bounded
/// memory), its errors mapped to JS errors.
fn streaming_metadata<S: BlobSource + ?Sized>(
    config: &CoreConfig,
    source: &S,
    budget: usize,
    on_progress: Option<&Function>,
    source_err: impl FnOnce(S::Error) -> JsValue,
) -> Result<VerifiedBlobMetadataWithId, JsValue> {
    with_progress(on_progress, |p| {
        config.compute_metadata_streaming(source, StreamOptions::default().budget(budget).maybe_progress(p))
    })
    .map_err(|e| match e {
        StreamError::Encode(e) => js_err(e),
        StreamError::Source(e) => source_err(e),
    })
}

fn infallible(e: core::convert::Infallible) -> JsValue {
    match e {}
}

/// The metadata (and so the blob ID) of `data` for `nShards` shards (SPEC §5), reporting
/// `onProgress(done, total)` in steps (rows and columns of byte stripes). Throws `ENCODING`,
/// `BLOB_TOO_LARGE`.
#[wasm_bindgen(js_name = computeMetadata)]
pub fn compute_metadata(data: &[u8], n_shards: u32, on_progress: Option<Function>) -> Result<BlobMetadata, JsValue> {
    let config = config(n_shards)?;
    streaming_metadata(&config, data, IN_MEMORY_BUDGET, on_progress.as_ref(), infallible).map(BlobMetadata)
}

/// The blob ID (base64url) of `data` for `nShards` shards (SPEC §5.3).
#[wasm_bindgen(js_name = blobId)]
pub fn blob_id(data: &[u8], n_shards: u32) -> Result<String, JsValue> {
    let config = config(n_shards)?;
    streaming_metadata(&config, data, IN_MEMORY_BUDGET, None, infallible).map(|m| m.blob_id().to_string())
}

/// A blob read through a JS callback `read(offset, length) → Uint8Array` (exactly `length`
/// bytes at `offset`), for example `FileReaderSync` over slices of a `File` in a worker.
struct JsReader<'a> {
    len: u64,
    read: &'a Function,
}

impl JsReader<'_> {
    fn read_into(&self, offset: u64, buf: &mut [u8]) -> Result<(), JsValue> {
        let value = self.read.call2(&JsValue::NULL, &JsValue::from(offset as f64), &JsValue::from(buf.len() as f64))?;
        let bytes: Uint8Array =
            value.dyn_into().map_err(|_| invalid("read(offset, length) must return a Uint8Array"))?;
        if bytes.length() as usize != buf.len() {
            return Err(invalid(format!(
                "read({offset}, {}) returned {} bytes instead of {}",
                buf.len(),
                bytes.length(),
                buf.len()
            )));
        }
        bytes.copy_to(buf);
        Ok(())
    }
}

impl BlobSource for JsReader<'_> {
    type Error = JsValue;

    fn len(&self) -> u64 {
        self.len
    }

    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), JsValue> {
        self.read_into(offset, buf)
    }

    /// One read of the whole span (the pieces of a row stripe are one symbol apart), instead
    /// of one call per piece: far fewer calls into JS, at the cost of reading the gaps.
    fn read_pieces_at(&self, offset: u64, piece: usize, stride: u64, buf: &mut [u8]) -> Result<(), JsValue> {
        let count = buf.len() / piece;
        if count <= 1 || stride <= piece as u64 {
            return self.read_into(offset, buf);
        }
        let span = usize::try_from((count as u64 - 1) * stride + piece as u64)
            .map_err(|_| invalid("a read span does not fit in memory"))?;
        let mut scratch = vec![0u8; span];
        self.read_into(offset, &mut scratch)?;
        let stride = stride as usize;
        for (i, dst) in buf.chunks_exact_mut(piece).enumerate() {
            dst.copy_from_slice(&scratch[i * stride..i * stride + piece]);
        }
        Ok(())
    }
}

/// The metadata of a blob of `size` bytes read through `read(offset, length) → Uint8Array`
/// (called many times, with positioned reads; each call must return exactly `length` bytes),
/// for `nShards` shards: the blob is never held whole, WebAssembly memory stays about
/// `budgetBytes` (default 128 MiB) plus `72 · n²` bytes of hash states, and each byte may be
/// read several times (once per byte stripe). Reports `onProgress(done, total)` in steps.
/// Throws `ENCODING`, `BLOB_TOO_LARGE`, `INVALID_ARGUMENT`, or whatever `read` throws.
#[wasm_bindgen(js_name = computeMetadataFromReader)]
pub fn compute_metadata_from_reader(
    size: f64,
    n_shards: u32,
    read: Function,
    budget_bytes: Option<f64>,
    on_progress: Option<Function>,
) -> Result<BlobMetadata, JsValue> {
    let config = config(n_shards)?;
    let len = byte_size(size, "size")?;
    let budget = match budget_bytes {
        Some(b) => usize::try_from(byte_size(b, "budgetBytes")?).unwrap_or(usize::MAX),
        None => READER_BUDGET,
    };
    let source = JsReader { len, read: &read };
    streaming_metadata(&config, &source, budget, on_progress.as_ref(), |e| e).map(BlobMetadata)
}

/// Collects a blob's bytes in chunks (for example `File.slice()` reads) into one buffer sized
/// up front, then computes its metadata: JS never holds the whole blob.
#[wasm_bindgen]
pub struct BlobIdBuilder {
    config: CoreConfig,
    expected: usize,
    buffer: Vec<u8>,
}

#[wasm_bindgen]
impl BlobIdBuilder {
    /// A builder for a blob of exactly `totalBytes` bytes. Throws `BLOB_TOO_LARGE` before
    /// allocating when the blob cannot be encoded, and `INVALID_ARGUMENT` when the buffer cannot
    /// be allocated (wasm32 memory is at most 4 GiB).
    #[wasm_bindgen(constructor)]
    pub fn new(total_bytes: f64, n_shards: u32) -> Result<BlobIdBuilder, JsValue> {
        let config = config(n_shards)?;
        let total = byte_size(total_bytes, "totalBytes")?;
        config.symbol_size(total).map_err(js_err)?;
        let expected = usize::try_from(total)
            .map_err(|_| invalid(format!("a blob of {total} bytes does not fit in WebAssembly memory")))?;
        let mut buffer = Vec::new();
        buffer
            .try_reserve_exact(expected)
            .map_err(|_| invalid(format!("cannot allocate {total} bytes in WebAssembly memory")))?;
        Ok(Self { config, expected, buffer })
    }

    /// Appends the next chunk. Throws `INVALID_ARGUMENT` past `totalBytes`.
    pub fn update(&mut self, chunk: &[u8]) -> Result<(), JsValue> {
        if self.buffer.len() + chunk.len() > self.expected {
            return Err(invalid(format!("chunks add up to more than the {} bytes announced", self.expected)));
        }
        self.buffer.extend_from_slice(chunk);
        Ok(())
    }

    /// The bytes received so far.
    #[wasm_bindgen(getter)]
    pub fn received(&self) -> f64 {
        self.buffer.len() as f64
    }

    /// Computes the metadata, reporting `onProgress(done, total)` in matrix rows and columns,
    /// and frees the buffer. Throws `INVALID_ARGUMENT` if fewer than `totalBytes` were given.
    pub fn finish(&mut self, on_progress: Option<Function>) -> Result<BlobMetadata, JsValue> {
        if self.buffer.len() != self.expected {
            return Err(invalid(format!("received {} of the {} bytes announced", self.buffer.len(), self.expected)));
        }
        let buffer = core::mem::take(&mut self.buffer);
        streaming_metadata(&self.config, &buffer[..], IN_MEMORY_BUDGET, on_progress.as_ref(), infallible)
            .map(BlobMetadata)
    }
}

/// The blob ID of a blob of `size` bytes whose sliver-pair Merkle root is `rootHash`
/// (SPEC §5.3; what the chain re-derives at registration).
#[wasm_bindgen(js_name = deriveBlobId)]
pub fn derive_blob_id(root_hash: &[u8], size: f64) -> Result<String, JsValue> {
    let root: [u8; 32] =
        root_hash.try_into().map_err(|_| invalid(format!("a root hash is 32 bytes, got {}", root_hash.len())))?;
    Ok(BlobId::from_root(EncodingType::RS2, byte_size(size, "size")?, &Node::Digest(root)).to_string())
}

/// The 32 bytes of a blob ID text. Throws `INVALID_BLOB_ID`.
#[wasm_bindgen(js_name = parseBlobId)]
pub fn parse_blob_id_bytes(blob_id: &str) -> Result<Vec<u8>, JsValue> {
    Ok(parse_blob_id(blob_id)?.as_bytes().to_vec())
}

/// The text form of 32 blob-ID bytes. Throws `INVALID_BLOB_ID`.
#[wasm_bindgen(js_name = blobIdFromBytes)]
pub fn blob_id_from_bytes(bytes: &[u8]) -> Result<String, JsValue> {
    let id: [u8; 32] = bytes
        .try_into()
        .map_err(|_| error(ErrorKind::InvalidBlobId, format!("a blob ID is 32 bytes, got {}", bytes.len())))?;
    Ok(BlobId(id).to_string())
}

/// The blob ID whose Move `u256` value is `value` (a bigint, decimal digits or `0x` hex; SPEC
/// §5.4: the bytes are the u256 little-endian, as Sui shows blob IDs). Throws `INVALID_BLOB_ID`.
#[wasm_bindgen(js_name = blobIdFromU256)]
pub fn blob_id_from_u256(value: JsValue) -> Result<String, JsValue> {
    let text = if value.is_bigint() {
        String::from(js_sys::BigInt::from(value).to_string(10).map_err(|_| invalid("not a base-10 bigint"))?)
    } else {
        value.as_string().ok_or_else(|| invalid("a u256 is a bigint or a string"))?
    };
    BlobId::from_u256_text(&text).map(|id| id.to_string()).map_err(|e| error(e.kind(), format!("{text:?}: {e}")))
}

/// The Move `u256` value of a blob ID (SPEC §5.4), as a bigint. Throws `INVALID_BLOB_ID`.
#[wasm_bindgen(js_name = blobIdToU256)]
pub fn blob_id_to_u256(blob_id: &str) -> Result<js_sys::BigInt, JsValue> {
    let decimal = parse_blob_id(blob_id)?.u256_decimal().to_string();
    js_sys::BigInt::new(&JsValue::from_str(&decimal)).map_err(|_| invalid("not a decimal number"))
}

/// The shard that stores sliver pair `pairIndex` of `blobId` (SPEC §4.2).
#[wasm_bindgen(js_name = shardIndexForPair)]
pub fn shard_index_for_pair(blob_id: &str, n_shards: u32, pair_index: u32) -> Result<u16, JsValue> {
    let config = config(n_shards)?;
    mapping::shard_index_for_pair(&parse_blob_id(blob_id)?, config.n_shards(), index_u16(pair_index, "pair index")?)
        .ok_or_else(|| invalid(format!("pair index {pair_index} is out of range")))
}

/// The sliver pair stored on shard `shardIndex` for `blobId` (SPEC §4.2).
#[wasm_bindgen(js_name = pairIndexForShard)]
pub fn pair_index_for_shard(blob_id: &str, n_shards: u32, shard_index: u32) -> Result<u16, JsValue> {
    let config = config(n_shards)?;
    mapping::pair_index_for_shard(&parse_blob_id(blob_id)?, config.n_shards(), index_u16(shard_index, "shard index")?)
        .ok_or_else(|| invalid(format!("shard index {shard_index} is out of range")))
}

/// The number of shards of Walrus mainnet and testnet (1000).
#[wasm_bindgen(js_name = mainnetNShards)]
pub fn mainnet_n_shards() -> u16 {
    encoding::MAINNET_N_SHARDS
}

// ---------------------------------------------------------------------------------------------
// Slivers

/// A primary or secondary sliver (SPEC §3.3, §6).
#[wasm_bindgen]
pub struct Sliver(pub(crate) CoreSliver<Vec<u8>>);

#[wasm_bindgen]
impl Sliver {
    /// A sliver from its parts.
    #[wasm_bindgen(constructor)]
    pub fn new(axis: &str, index: u32, symbol_size: u32, data: Vec<u8>) -> Result<Sliver, JsValue> {
        let symbol_size = u16::try_from(symbol_size)
            .ok()
            .and_then(NonZeroU16::new)
            .ok_or_else(|| invalid(format!("symbolSize must be in 1..=65535, not {symbol_size}")))?;
        Ok(Self(CoreSliver { axis: parse::<Axis>(axis)?, index: index_u16(index, "sliver index")?, symbol_size, data }))
    }

    /// Parses BCS `SliverData` (the body of `GET /slivers/{pair}/{axis}`); the axis is not in
    /// the bytes. Throws `WIRE_FORMAT`.
    #[wasm_bindgen(js_name = fromBytes)]
    pub fn from_bytes(bytes: &[u8], axis: &str) -> Result<Sliver, JsValue> {
        CoreSliver::<Vec<u8>>::from_bcs(bytes, parse::<Axis>(axis)?).map(Self).map_err(js_err)
    }

    /// `"primary"` or `"secondary"`.
    #[wasm_bindgen(getter)]
    pub fn axis(&self) -> String {
        self.0.axis.as_str().into()
    }

    /// The sliver index (not the pair index).
    #[wasm_bindgen(getter)]
    pub fn index(&self) -> u16 {
        self.0.index
    }

    /// The symbol size in bytes.
    #[wasm_bindgen(getter, js_name = symbolSize)]
    pub fn symbol_size(&self) -> u16 {
        self.0.symbol_size.get()
    }

    /// The symbols, concatenated.
    #[wasm_bindgen(getter)]
    pub fn data(&self) -> Vec<u8> {
        self.0.data.clone()
    }

    /// The BCS `SliverData` bytes.
    #[wasm_bindgen(js_name = toBytes)]
    pub fn to_bytes(&self) -> Vec<u8> {
        self.0.to_bcs()
    }

    /// Verifies the sliver against verified metadata (SPEC §6). Throws `VERIFICATION`.
    pub fn verify(&self, metadata: &BlobMetadata) -> Result<(), JsValue> {
        self.0.verify(&metadata.0).map_err(js_err)
    }

    /// The recovery symbols this sliver gives for target slivers `targetIndices` of the other
    /// axis, as BCS `Vec<GeneralRecoverySymbol>` (the body of `GET /recoverySymbols`, SPEC §11).
    #[wasm_bindgen(js_name = recoverySymbols)]
    pub fn recovery_symbols(&self, target_indices: &[u16], n_shards: u32) -> Result<Vec<u8>, JsValue> {
        let config = config(n_shards)?;
        let source = RecoverySymbolSource::new(&config, &self.0).map_err(js_err)?;
        let symbols = target_indices
            .iter()
            .map(|t| {
                source.general_recovery_symbol(*t).ok_or_else(|| invalid(format!("target index {t} is out of range")))
            })
            .collect::<Result<Vec<GeneralRecoverySymbol<Vec<u8>>>, JsValue>>()?;
        Ok(wire::general_recovery_symbols_to_bcs(&symbols))
    }
}

/// A fully encoded blob: metadata and all `2n` slivers (SPEC §3).
#[wasm_bindgen]
pub struct EncodedBlob(CoreEncodedBlob);

#[wasm_bindgen]
impl EncodedBlob {
    /// The verified metadata.
    #[wasm_bindgen(getter)]
    pub fn metadata(&self) -> BlobMetadata {
        BlobMetadata(self.0.metadata().clone())
    }

    /// The blob ID.
    #[wasm_bindgen(getter, js_name = blobId)]
    pub fn blob_id(&self) -> String {
        self.0.blob_id().to_string()
    }

    /// The symbol size in bytes.
    #[wasm_bindgen(getter, js_name = symbolSize)]
    pub fn symbol_size(&self) -> u16 {
        self.0.symbol_size().get()
    }

    /// Sliver `index` of `axis`.
    pub fn sliver(&self, axis: &str, index: u32) -> Result<Sliver, JsValue> {
        self.0
            .sliver(parse::<Axis>(axis)?, index_u16(index, "sliver index")?)
            .map(|s| Sliver(s.to_owned_sliver()))
            .ok_or_else(|| invalid(format!("sliver index {index} is out of range")))
    }

    /// Both slivers of each pair of `pairs` (primary, then secondary), as BCS `Vec<Sliver>`:
    /// the body of a batched upload (`PUT /v1/blobs/{blobId}/slivers`, docs/network.md).
    #[wasm_bindgen(js_name = sliverPairsBcs)]
    pub fn sliver_pairs_bcs(&self, pairs: &[u32]) -> Result<Vec<u8>, JsValue> {
        let config = self.0.metadata().config();
        let mut slivers = Vec::with_capacity(2 * pairs.len());
        for &pair in pairs {
            let pair = index_u16(pair, "pair index")?;
            for axis in [Axis::Primary, Axis::Secondary] {
                let sliver = config
                    .sliver_index(axis, pair)
                    .and_then(|index| self.0.sliver(axis, index))
                    .ok_or_else(|| invalid(format!("pair index {pair} is out of range")))?;
                slivers.push(sliver);
            }
        }
        let refs: Vec<_> = slivers.iter().collect();
        Ok(wire::slivers_to_bcs(&refs))
    }
}

/// Encodes `data` into its metadata and all `2n` slivers (SPEC §3), reporting
/// `onProgress(done, total)`. Memory: about 4.5× the blob.
#[wasm_bindgen]
pub fn encode(data: &[u8], n_shards: u32, on_progress: Option<Function>) -> Result<EncodedBlob, JsValue> {
    let config = config(n_shards)?;
    with_progress(on_progress.as_ref(), |p| config.encode_with(data, StreamOptions::default().maybe_progress(p)))
        .map(EncodedBlob)
        .map_err(js_err)
}

// ---------------------------------------------------------------------------------------------
// Decoding and recovery

/// Collects verified slivers of one axis and decodes the blob from any `p` primary or `s`
/// secondary of them (SPEC §7).
#[wasm_bindgen]
pub struct BlobDecoder(CoreBlobDecoder<'static, VerifiedBlobMetadataWithId>);

#[wasm_bindgen]
impl BlobDecoder {
    /// A decoder for the blob of `metadata` from slivers of `axis`.
    #[wasm_bindgen(constructor)]
    pub fn new(metadata: &BlobMetadata, axis: &str) -> Result<BlobDecoder, JsValue> {
        Ok(Self(CoreBlobDecoder::new(metadata.0.clone(), parse::<Axis>(axis)?)))
    }

    /// The axis decoded from.
    #[wasm_bindgen(getter)]
    pub fn axis(&self) -> String {
        self.0.axis().as_str().into()
    }

    /// Slivers needed: `p` primary or `s` secondary.
    #[wasm_bindgen(getter)]
    pub fn needed(&self) -> u16 {
        self.0.needed()
    }

    /// Distinct verified slivers held.
    #[wasm_bindgen(getter)]
    pub fn count(&self) -> u16 {
        self.0.count()
    }

    /// Whether enough slivers are held to decode.
    #[wasm_bindgen(getter, js_name = isReady)]
    pub fn is_ready(&self) -> bool {
        self.0.is_ready()
    }

    /// Verifies a sliver and keeps it; `false` when it is not needed (a duplicate, or enough
    /// are held). Throws `VERIFICATION` for a sliver that does not verify.
    #[wasm_bindgen(js_name = addSliver)]
    pub fn add_sliver(&mut self, sliver: &Sliver) -> Result<bool, JsValue> {
        self.0.add_sliver(&sliver.0).map_err(js_err)
    }

    /// Parses BCS `SliverData` of the decoder's axis, verifies it and keeps it (see
    /// `addSliver`). Throws `WIRE_FORMAT` or `VERIFICATION`.
    #[wasm_bindgen(js_name = addSliverBytes)]
    pub fn add_sliver_bytes(&mut self, bytes: &[u8]) -> Result<bool, JsValue> {
        let sliver = CoreSliver::<&[u8]>::from_bcs(bytes, self.0.axis()).map_err(js_err)?;
        self.0.add_sliver(&sliver).map_err(js_err)
    }

    /// Decodes the blob with consistency check `check` (`"default"`, `"strict"` or `"skip"`;
    /// SPEC §7). Throws `DECODING` or `INCONSISTENT_ENCODING`.
    pub fn decode(&self, check: Option<String>) -> Result<Vec<u8>, JsValue> {
        self.0.decode(parse_check(check)?).map_err(js_err)
    }
}

/// Recovers sliver `targetIndex` of `targetAxis` from recovery symbols given as BCS
/// `Vec<GeneralRecoverySymbol>` (the body of `GET /recoverySymbols`); each symbol is verified
/// and invalid ones are skipped (SPEC §8). Throws `WIRE_FORMAT`, `DECODING`,
/// `INCONSISTENT_ENCODING` or `VERIFICATION`.
#[wasm_bindgen(js_name = recoverSliver)]
pub fn recover_sliver(
    metadata: &BlobMetadata,
    target_axis: &str,
    target_index: u32,
    symbols_bcs: &[u8],
) -> Result<Sliver, JsValue> {
    let axis = parse::<Axis>(target_axis)?;
    let target = index_u16(target_index, "target index")?;
    let symbols: Vec<GeneralRecoverySymbol<&[u8]>> =
        wire::general_recovery_symbols_from_bcs(symbols_bcs).map_err(js_err)?;
    let symbols = symbols
        .into_iter()
        .filter(|s| s.target_axis == axis && s.target_index == target)
        .map(GeneralRecoverySymbol::into_recovery_symbol);
    core_recover_sliver(&metadata.0, axis, target, symbols).map(Sliver).map_err(js_err)
}
