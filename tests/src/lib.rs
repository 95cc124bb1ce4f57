//! Shared helpers for the conformance suites: the one copy of the vectors
//! (`tests/vectors/walrus-rs2.json`, read by the Rust, Python and JS suites alike) and the
//! deterministic input generators they name.
//!
//! The vectors were produced by the official walrus-core encoder (its published WebAssembly
//! build); see the `_comment` field of the file for how each input is generated.

use serde::Deserialize;

/// The vectors file, embedded at compile time.
pub const VECTORS_JSON: &str = include_str!("../vectors/walrus-rs2.json");

/// The SPEC tables file (`tests/vectors/spec-tables.json`), shared with the Python suite.
pub const SPEC_TABLES_JSON: &str = include_str!("../vectors/spec-tables.json");

/// Tables transcribed from the Walrus specification.
#[derive(Debug, Deserialize)]
pub struct SpecTables {
    /// SPEC §17.3: blob IDs of [`lcg_bytes`] inputs from the official encoder.
    pub lcg_blob_ids: Vec<LcgBlobId>,
    /// SPEC §1.2: `n_shards` → f, p, s.
    pub source_symbols: Vec<SourceSymbols>,
    /// SPEC §1.4: encoded lengths.
    pub encoded_lengths: Vec<EncodedLength>,
}

/// A row of SPEC §17.3.
#[derive(Debug, Deserialize)]
pub struct LcgBlobId {
    /// Number of shards.
    pub n_shards: u16,
    /// Input length in bytes.
    pub length: usize,
    /// Symbol size in bytes.
    pub symbol_size: u16,
    /// Blob ID (base64url).
    pub blob_id: String,
}

/// A row of SPEC §1.2.
#[derive(Debug, Deserialize)]
pub struct SourceSymbols {
    /// Number of shards.
    pub n_shards: u16,
    /// Faulty shards tolerated.
    pub f: u16,
    /// Primary source symbols (rows).
    pub p: u16,
    /// Secondary source symbols (columns).
    pub s: u16,
}

/// An encoded-length vector of SPEC §1.4.
#[derive(Debug, Deserialize)]
pub struct EncodedLength {
    /// Number of shards.
    pub n_shards: u16,
    /// Blob size in bytes.
    pub blob_size: u64,
    /// `encoded_blob_length` in bytes.
    pub encoded_length: u64,
}

/// Parses the embedded SPEC tables.
pub fn spec_tables() -> SpecTables {
    serde_json::from_str(SPEC_TABLES_JSON).expect("tests/vectors/spec-tables.json parses")
}

/// The whole vectors file.
#[derive(Debug, Deserialize)]
pub struct Vectors {
    /// Vectors copied from upstream tests and docs.
    pub upstream: Vec<UpstreamCase>,
    /// Generated cases with full expected outputs.
    pub cases: Vec<Case>,
}

/// An upstream vector: an input given as ASCII or hex, and its expected blob ID.
#[derive(Debug, Deserialize)]
pub struct UpstreamCase {
    /// Number of shards.
    pub n_shards: u16,
    /// Input as ASCII text.
    pub ascii: Option<String>,
    /// Input as hex.
    pub hex: Option<String>,
    /// Expected blob ID (base64url).
    pub blob_id: Option<String>,
    /// Expected blob ID (hex).
    pub blob_id_hex: Option<String>,
    /// Expected encoded length.
    pub encoded_length: Option<u64>,
}

impl UpstreamCase {
    /// The input bytes.
    pub fn input(&self) -> Vec<u8> {
        match (&self.ascii, &self.hex) {
            (Some(a), _) => a.as_bytes().to_vec(),
            (None, Some(h)) => hex::decode(h).expect("vector hex"),
            (None, None) => panic!("upstream vector without input"),
        }
    }
}

/// A generated case: SplitMix64 input of `length` bytes from `seed`.
#[derive(Debug, Deserialize)]
pub struct Case {
    /// Number of shards.
    pub n_shards: u16,
    /// SplitMix64 seed.
    pub seed: u64,
    /// Input length in bytes.
    pub length: usize,
    /// SHA-256 of the input, to check the generator.
    pub input_sha256: String,
    /// Expected blob ID (base64url).
    pub blob_id: String,
    /// Expected blob ID (hex).
    pub blob_id_hex: String,
    /// Expected Merkle root over the sliver-pair leaves (hex).
    pub root_hash_hex: String,
    /// Expected symbol size.
    pub symbol_size: u16,
    /// Expected `[primary_hash, secondary_hash]` per pair (hex), when given.
    pub pair_hashes: Option<Vec<[String; 2]>>,
    /// Expected BCS of primary sliver `i` of pair `i` (hex), when given.
    pub primary_slivers_bcs: Option<Vec<String>>,
    /// Expected BCS of secondary sliver `n - 1 - i` of pair `i` (hex), when given.
    pub secondary_slivers_bcs: Option<Vec<String>>,
}

impl Case {
    /// The input bytes.
    pub fn input(&self) -> Vec<u8> {
        splitmix64_bytes(self.seed, self.length)
    }
}

/// Parses the embedded vectors.
pub fn vectors() -> Vectors {
    serde_json::from_str(VECTORS_JSON).expect("tests/vectors/walrus-rs2.json parses")
}

/// The SplitMix64 byte stream of the vectors file: each 64-bit output as 8 little-endian bytes,
/// truncated to `len`.
pub fn splitmix64_bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        out.extend_from_slice(&z.to_le_bytes());
    }
    out.truncate(len);
    out
}

/// The LCG byte stream of SPEC §17.3: `x = 12345; x = x * 1103515245 + 12345 mod 2^32;
/// byte = (x >> 16) & 0xFF`.
pub fn lcg_bytes(len: usize) -> Vec<u8> {
    let mut x: u32 = 12345;
    (0..len)
        .map(|_| {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            (x >> 16) as u8
        })
        .collect()
}

/// SHA-256 of `data` in hex.
pub fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(data))
}

/// The reward-math vectors (`tests/vectors/rewards.json`): every numeric assertion of
/// REWARDS.md §8, shared with the Python suite.
pub const REWARDS_JSON: &str = include_str!("../vectors/rewards.json");

/// Parses the embedded reward-math vectors (an untyped JSON tree; each group documents its
/// own shape in its `_comment`).
pub fn rewards_vectors() -> serde_json::Value {
    serde_json::from_str(REWARDS_JSON).expect("tests/vectors/rewards.json parses")
}

pub mod fuzz_checks;
pub mod reference;
