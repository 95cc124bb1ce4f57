//! # morsa-core
//!
//! A `no_std`, allocation-light implementation of the data plane of the
//! [Walrus](https://www.walrus.xyz) blob store, byte-for-byte compatible with Walrus's RS2
//! encoding ("RedStuff" over Reed-Solomon):
//!
//! * [`encoding`]: the encoding configuration (n shards → f, p, s; symbol size; limits), the
//!   RedStuff 2-D encoder and decoder, slivers and sliver pairs, the pair ↔ shard rotation,
//!   recovery symbols and inconsistency proofs;
//! * [`merkle`]: Walrus's Merkle trees (BLAKE2b-256, leaf prefix `0x00`, inner prefix `0x01`,
//!   zero padding) and proofs;
//! * [`metadata`]: blob IDs, sliver-pair hashes and blob metadata, unverified and verified;
//! * [`wire`]: the BCS codecs of every Walrus wire type, written by hand so they run without
//!   `std`;
//! * [`messages`]: Walrus protocol messages (intent, epoch, body) with exact BCS bytes;
//! * [`certificate`]: committees, Ed25519 storage confirmations and certificates;
//! * [`quilt`]: quilt format V1, many small blobs in one blob with per-blob reads from
//!   secondary slivers, and quilt patch IDs;
//! * [`rewards`]: the protocol's reward math, integer-exact as the Move contracts compute it;
//! * [`bft`]: the Byzantine quorum arithmetic shared by the encoding and certificates.
//!
//! The protocol reference is the Walrus specification (`SPEC.md`); every public item names the
//! section its rule comes from.
//!
//! ## Features
//!
//! * `alloc`: encoding, decoding, recovery and the owned wire types (needs an allocator).
//! * `std` (default): `alloc`, plus runtime SIMD detection (the Reed-Solomon engine; the
//!   eight-lane AVX-512 BLAKE2b of Merkle trees, which without `std` is used when the target
//!   enables `avx512f` at compile time).
//! * `parallel`: `std`, plus intra-blob parallelism (rayon) in the streaming blob ID.
//! * `io`: `std`, plus [`io`]: a blob source over a file (strided reads through `memmap2`
//!   memory maps) and the directory of sliver files an encoding is written to.
//!
//! Without any feature the crate still verifies what a microcontroller receives: Merkle
//! proofs (as fixed-capacity vectors of at most 16 siblings), recovery-symbol proofs, and blob
//! IDs from metadata bytes.
//!
//! ## Example
//!
//! ```
//! # #[cfg(feature = "alloc")] {
//! use morsa_core::encoding::EncodingConfig;
//!
//! let config = EncodingConfig::new(10)?;
//! let blob_id = config.blob_id(b"walrus blob id v1 regression test")?;
//! assert_eq!(blob_id.to_string(), "RcU82Mwf-CFkv1LaI_2qcpANwpGUuG3TMwnVzZxD2kY");
//! # }
//! # Ok::<(), morsa_core::encoding::EncodeError>(())
//! ```
#![no_std]
#![deny(missing_docs)]
#![deny(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]
// The exceptions are the SIMD kernels: BLAKE2b (`hash::avx512`, `hash::simd128`), the
// WebAssembly Reed-Solomon engine (`encoding::rs::simd128`) and the AVX2 XOR of the decoder's
// formal derivative (`encoding::rs::xor`), and the memory maps of `io` (feature `io`). Each
// module says why its `unsafe` is sound.
#![deny(unsafe_code)]

#[cfg(feature = "alloc")]
extern crate alloc;

#[cfg(all(feature = "std", not(test)))]
extern crate std;
#[cfg(test)]
#[macro_use]
extern crate std;

#[cfg(feature = "alloc")]
pub mod auth;
pub mod bft;
pub mod certificate;
pub mod encoding;
pub mod error;
#[cfg(feature = "alloc")]
mod hash;
#[cfg(feature = "alloc")]
pub mod hazmat;
#[cfg(feature = "io")]
pub mod io;
pub mod merkle;
pub mod messages;
pub mod metadata;
pub mod quilt;
pub mod rewards;
#[cfg(feature = "seal")]
pub mod seal;
pub mod wire;

pub use encoding::{Axis, EncodingConfig, EncodingType};
pub use merkle::Node;
pub use metadata::BlobId;
