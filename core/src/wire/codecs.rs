//! The BCS codecs of the Walrus wire types.

use core::num::NonZeroU16;

use super::{uleb128_len, write_byte_vec, write_uleb128, BcsDecode, BcsEncode, BcsWrite, Reader, WireError};
use crate::encoding::{Axis, DecodingSymbol, EncodingType, GeneralRecoverySymbol, RecoverySymbol, Sliver};
use crate::merkle::{MerkleProof, Node, MAX_PROOF_LEN};
use crate::metadata::{BlobId, BlobMetadataRef, BlobMetadataWithIdRef, SliverPairMetadata};

#[cfg(feature = "alloc")]
use crate::encoding::InconsistencyProof;
#[cfg(feature = "alloc")]
use crate::metadata::{BlobMetadata, BlobMetadataWithId};
#[cfg(feature = "alloc")]
use alloc::vec::Vec;

fn len_u32(len: usize) -> u32 {
    u32::try_from(len).unwrap_or(u32::MAX)
}

// ----- Node: Empty = 0x00, Digest = 0x01 ‖ 32 bytes (SPEC §5.1) -----

impl BcsEncode for Node {
    fn bcs_len(&self) -> usize {
        match self {
            Node::Empty => 1,
            Node::Digest(_) => 33,
        }
    }

    fn write_bcs<W: BcsWrite + ?Sized>(&self, w: &mut W) {
        match self {
            Node::Empty => w.put(&[0]),
            Node::Digest(d) => {
                w.put(&[1]);
                w.put(d);
            }
        }
    }
}

impl<'a> BcsDecode<'a> for Node {
    fn read_bcs(r: &mut Reader<'a>) -> Result<Self, WireError> {
        match r.uleb128("Node tag")? {
            0 => Ok(Node::Empty),
            1 => Ok(Node::Digest(r.array("Node digest")?)),
            tag => Err(WireError::InvalidTag { type_name: "Node", tag }),
        }
    }
}

// ----- MerkleProof: ULEB(len) ‖ nodes (SPEC §5.1) -----

impl BcsEncode for MerkleProof {
    fn bcs_len(&self) -> usize {
        uleb128_len(len_u32(self.path().len())) + self.path().iter().map(BcsEncode::bcs_len).sum::<usize>()
    }

    fn write_bcs<W: BcsWrite + ?Sized>(&self, w: &mut W) {
        write_uleb128(w, len_u32(self.path().len()));
        for node in self.path() {
            node.write_bcs(w);
        }
    }
}

impl<'a> BcsDecode<'a> for MerkleProof {
    fn read_bcs(r: &mut Reader<'a>) -> Result<Self, WireError> {
        let len = r.seq_len("MerkleProof path", 1)?;
        if len > MAX_PROOF_LEN {
            return Err(WireError::ProofTooLong { got_siblings: len });
        }
        let mut proof = MerkleProof::default();
        for _ in 0..len {
            proof.push(Node::read_bcs(r)?);
        }
        Ok(proof)
    }
}

// ----- EncodingType: BCS tag 1 = RS2; 0 (RaptorQ) is rejected (SPEC §1.5) -----

impl BcsEncode for EncodingType {
    fn bcs_len(&self) -> usize {
        1
    }

    fn write_bcs<W: BcsWrite + ?Sized>(&self, w: &mut W) {
        w.put(&[self.as_u8()]);
    }
}

impl<'a> BcsDecode<'a> for EncodingType {
    fn read_bcs(r: &mut Reader<'a>) -> Result<Self, WireError> {
        match r.uleb128("EncodingType tag")? {
            1 => Ok(EncodingType::RS2),
            tag => Err(WireError::InvalidTag { type_name: "EncodingType", tag }),
        }
    }
}

// ----- Axis: Primary = 0, Secondary = 1 (SPEC §16.10) -----

impl BcsEncode for Axis {
    fn bcs_len(&self) -> usize {
        1
    }

    fn write_bcs<W: BcsWrite + ?Sized>(&self, w: &mut W) {
        w.put(&[self.tag()]);
    }
}

impl<'a> BcsDecode<'a> for Axis {
    fn read_bcs(r: &mut Reader<'a>) -> Result<Self, WireError> {
        match r.uleb128("Axis tag")? {
            0 => Ok(Axis::Primary),
            1 => Ok(Axis::Secondary),
            tag => Err(WireError::InvalidTag { type_name: "Axis", tag }),
        }
    }
}

// ----- BlobId: 32 bytes -----

impl BcsEncode for BlobId {
    fn bcs_len(&self) -> usize {
        32
    }

    fn write_bcs<W: BcsWrite + ?Sized>(&self, w: &mut W) {
        w.put(&self.0);
    }
}

impl<'a> BcsDecode<'a> for BlobId {
    fn read_bcs(r: &mut Reader<'a>) -> Result<Self, WireError> {
        Ok(BlobId(r.array("BlobId")?))
    }
}

// ----- SliverPairMetadata: Node ‖ Node (SPEC §5.5) -----

impl BcsEncode for SliverPairMetadata {
    fn bcs_len(&self) -> usize {
        self.primary_hash.bcs_len() + self.secondary_hash.bcs_len()
    }

    fn write_bcs<W: BcsWrite + ?Sized>(&self, w: &mut W) {
        self.primary_hash.write_bcs(w);
        self.secondary_hash.write_bcs(w);
    }
}

impl<'a> BcsDecode<'a> for SliverPairMetadata {
    fn read_bcs(r: &mut Reader<'a>) -> Result<Self, WireError> {
        Ok(SliverPairMetadata { primary_hash: Node::read_bcs(r)?, secondary_hash: Node::read_bcs(r)? })
    }
}

// ----- BlobMetadata::V1 (tag 0) { encoding_type, unencoded_length u64, hashes } (SPEC §5.5) -----

const BLOB_METADATA_V1: u32 = 0;

fn write_metadata_header<W: BcsWrite + ?Sized>(w: &mut W, encoding_type: EncodingType, len: u64, n_pairs: usize) {
    write_uleb128(w, BLOB_METADATA_V1);
    encoding_type.write_bcs(w);
    w.put(&len.to_le_bytes());
    write_uleb128(w, len_u32(n_pairs));
}

impl BcsEncode for BlobMetadataRef<'_> {
    fn bcs_len(&self) -> usize {
        1 + 1 + 8 + uleb128_len(len_u32(self.n_pairs())) + self.pairs().map(|p| p.bcs_len()).sum::<usize>()
    }

    fn write_bcs<W: BcsWrite + ?Sized>(&self, w: &mut W) {
        write_metadata_header(w, self.encoding_type, self.unencoded_length, self.n_pairs());
        for pair in self.pairs() {
            pair.write_bcs(w);
        }
    }
}

impl<'a> BcsDecode<'a> for BlobMetadataRef<'a> {
    fn read_bcs(r: &mut Reader<'a>) -> Result<Self, WireError> {
        match r.uleb128("BlobMetadata tag")? {
            BLOB_METADATA_V1 => {}
            tag => return Err(WireError::InvalidTag { type_name: "BlobMetadata", tag }),
        }
        let encoding_type = EncodingType::read_bcs(r)?;
        let unencoded_length = r.u64("BlobMetadata unencoded_length")?;
        let n_pairs = r.seq_len("BlobMetadata hashes", 2)?;
        let start = r.clone();
        for _ in 0..n_pairs {
            SliverPairMetadata::read_bcs(r)?;
        }
        let consumed = start.remaining() - r.remaining();
        let mut start = start;
        let hashes_bcs = start.bytes(consumed, "BlobMetadata hashes")?;
        Ok(BlobMetadataRef::new_unchecked(encoding_type, unencoded_length, n_pairs, hashes_bcs))
    }
}

impl BcsEncode for BlobMetadataWithIdRef<'_> {
    fn bcs_len(&self) -> usize {
        32 + self.metadata.bcs_len()
    }

    fn write_bcs<W: BcsWrite + ?Sized>(&self, w: &mut W) {
        self.blob_id.write_bcs(w);
        self.metadata.write_bcs(w);
    }
}

impl<'a> BcsDecode<'a> for BlobMetadataWithIdRef<'a> {
    fn read_bcs(r: &mut Reader<'a>) -> Result<Self, WireError> {
        Ok(BlobMetadataWithIdRef { blob_id: BlobId::read_bcs(r)?, metadata: BlobMetadataRef::read_bcs(r)? })
    }
}

#[cfg(feature = "alloc")]
impl BcsEncode for BlobMetadata {
    fn bcs_len(&self) -> usize {
        1 + 1 + 8 + uleb128_len(len_u32(self.hashes.len())) + self.hashes.iter().map(|p| p.bcs_len()).sum::<usize>()
    }

    fn write_bcs<W: BcsWrite + ?Sized>(&self, w: &mut W) {
        write_metadata_header(w, self.encoding_type, self.unencoded_length, self.hashes.len());
        for pair in &self.hashes {
            pair.write_bcs(w);
        }
    }
}

#[cfg(feature = "alloc")]
impl<'a> BcsDecode<'a> for BlobMetadata {
    fn read_bcs(r: &mut Reader<'a>) -> Result<Self, WireError> {
        let view = BlobMetadataRef::read_bcs(r)?;
        Ok(BlobMetadata {
            encoding_type: view.encoding_type,
            unencoded_length: view.unencoded_length,
            hashes: view.pairs().collect(),
        })
    }
}

#[cfg(feature = "alloc")]
impl BcsEncode for BlobMetadataWithId {
    fn bcs_len(&self) -> usize {
        32 + self.metadata.bcs_len()
    }

    fn write_bcs<W: BcsWrite + ?Sized>(&self, w: &mut W) {
        self.blob_id.write_bcs(w);
        self.metadata.write_bcs(w);
    }
}

#[cfg(feature = "alloc")]
impl<'a> BcsDecode<'a> for BlobMetadataWithId {
    fn read_bcs(r: &mut Reader<'a>) -> Result<Self, WireError> {
        Ok(BlobMetadataWithId { blob_id: BlobId::read_bcs(r)?, metadata: BlobMetadata::read_bcs(r)? })
    }
}

#[cfg(feature = "alloc")]
impl BcsEncode for crate::metadata::VerifiedBlobMetadataWithId {
    fn bcs_len(&self) -> usize {
        self.as_unverified().bcs_len()
    }

    fn write_bcs<W: BcsWrite + ?Sized>(&self, w: &mut W) {
        self.as_unverified().write_bcs(w);
    }
}

// ----- SliverData: ULEB(len) ‖ data ‖ symbol_size u16 ‖ index u16 (SPEC §6) -----

/// The bytes of a BCS `SliverData` around its symbol bytes (SPEC §6): the ULEB128 length
/// prefix and the `symbol_size ‖ index` suffix. With them a sliver can be written in place,
/// symbols first (as a [`crate::encoding::SliverStore`] over files does).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SliverFrame {
    prefix: [u8; 5],
    prefix_len: usize,
    suffix: [u8; 4],
}

impl SliverFrame {
    /// The frame of the sliver `index` of `data_len` symbol bytes of `symbol_size` bytes each.
    pub fn new(data_len: u32, symbol_size: NonZeroU16, index: u16) -> Self {
        let mut bytes = [0u8; 5];
        write_uleb128(&mut super::SliceWriter::new(&mut bytes), data_len);
        let prefix_len = uleb128_len(data_len);
        let mut suffix = [0u8; 4];
        suffix[..2].copy_from_slice(&symbol_size.get().to_le_bytes());
        suffix[2..].copy_from_slice(&index.to_le_bytes());
        Self { prefix: bytes, prefix_len, suffix }
    }

    /// The length prefix (1 to 5 bytes): the symbols start at this offset.
    pub fn prefix(&self) -> &[u8] {
        &self.prefix[..self.prefix_len]
    }

    /// The 4 bytes after the symbols.
    pub fn suffix(&self) -> &[u8; 4] {
        &self.suffix
    }
}

impl<D: AsRef<[u8]>> BcsEncode for Sliver<D> {
    fn bcs_len(&self) -> usize {
        let len = self.bytes().len();
        uleb128_len(len_u32(len)) + len + 4
    }

    fn write_bcs<W: BcsWrite + ?Sized>(&self, w: &mut W) {
        let frame = SliverFrame::new(len_u32(self.bytes().len()), self.symbol_size, self.index);
        w.put(frame.prefix());
        w.put(self.bytes());
        w.put(frame.suffix());
    }
}

fn read_symbol_size(r: &mut Reader<'_>) -> Result<NonZeroU16, WireError> {
    NonZeroU16::new(r.u16("symbol_size")?).ok_or(WireError::InvalidValue { what: "symbol size is zero" })
}

impl<'a, D: From<&'a [u8]>> Sliver<D> {
    /// Reads a BCS `SliverData` of `axis` (the axis is not in the bytes; SPEC §6).
    ///
    /// # Errors
    ///
    /// [`WireError`] on malformed or truncated input, including a zero symbol size.
    pub fn read_bcs(r: &mut Reader<'a>, axis: Axis) -> Result<Self, WireError> {
        let data = r.byte_vec("SliverData symbols")?;
        let symbol_size = read_symbol_size(r)?;
        let index = r.u16("SliverData index")?;
        Ok(Sliver { axis, index, symbol_size, data: D::from(data) })
    }

    /// Decodes a BCS `SliverData` of `axis` spanning all of `bytes`.
    ///
    /// # Errors
    ///
    /// [`WireError`] on malformed, truncated or trailing input.
    pub fn from_bcs(bytes: &'a [u8], axis: Axis) -> Result<Self, WireError> {
        let mut r = Reader::new(bytes);
        let sliver = Self::read_bcs(&mut r, axis)?;
        r.finish()?;
        Ok(sliver)
    }

    /// Reads a BCS `Sliver` (`ByAxis` enum: tag 0 primary, 1 secondary, then `SliverData`).
    ///
    /// # Errors
    ///
    /// [`WireError`] on malformed or truncated input.
    pub fn read_bcs_tagged(r: &mut Reader<'a>) -> Result<Self, WireError> {
        let axis = Axis::read_bcs(r)?;
        Self::read_bcs(r, axis)
    }
}

impl<D: AsRef<[u8]>> Sliver<D> {
    /// The BCS length of the `ByAxis`-tagged form.
    pub fn bcs_len_tagged(&self) -> usize {
        1 + self.bcs_len()
    }

    /// Writes the `ByAxis`-tagged form (`Sliver` enum: axis tag, then `SliverData`).
    pub fn write_bcs_tagged<W: BcsWrite + ?Sized>(&self, w: &mut W) {
        self.axis.write_bcs(w);
        self.write_bcs(w);
    }
}

// ----- DecodingSymbol: index u16 ‖ ULEB(len) ‖ data (SPEC §8.3) -----

impl<D: AsRef<[u8]>> BcsEncode for DecodingSymbol<D> {
    fn bcs_len(&self) -> usize {
        let len = self.data.as_ref().len();
        2 + uleb128_len(len_u32(len)) + len
    }

    fn write_bcs<W: BcsWrite + ?Sized>(&self, w: &mut W) {
        w.put(&self.index.to_le_bytes());
        write_byte_vec(w, self.data.as_ref());
    }
}

impl<'a, D: From<&'a [u8]>> BcsDecode<'a> for DecodingSymbol<D> {
    fn read_bcs(r: &mut Reader<'a>) -> Result<Self, WireError> {
        let index = r.u16("DecodingSymbol index")?;
        let data = r.byte_vec("DecodingSymbol data")?;
        Ok(DecodingSymbol { index, data: D::from(data) })
    }
}

// ----- RecoverySymbol: DecodingSymbol ‖ MerkleProof (SPEC §8.3) -----

impl<D: AsRef<[u8]>> BcsEncode for RecoverySymbol<D> {
    fn bcs_len(&self) -> usize {
        self.symbol.bcs_len() + self.proof.bcs_len()
    }

    fn write_bcs<W: BcsWrite + ?Sized>(&self, w: &mut W) {
        self.symbol.write_bcs(w);
        self.proof.write_bcs(w);
    }
}

impl<'a, D: From<&'a [u8]>> BcsDecode<'a> for RecoverySymbol<D> {
    fn read_bcs(r: &mut Reader<'a>) -> Result<Self, WireError> {
        Ok(RecoverySymbol { symbol: DecodingSymbol::read_bcs(r)?, proof: MerkleProof::read_bcs(r)? })
    }
}

// ----- GeneralRecoverySymbol: EitherDecodingSymbol ‖ target_index u16 ‖ MerkleProof (SPEC §8.3) -----

impl<D: AsRef<[u8]>> BcsEncode for GeneralRecoverySymbol<D> {
    fn bcs_len(&self) -> usize {
        1 + self.symbol.bcs_len() + 2 + self.proof.bcs_len()
    }

    fn write_bcs<W: BcsWrite + ?Sized>(&self, w: &mut W) {
        self.target_axis.write_bcs(w);
        self.symbol.write_bcs(w);
        w.put(&self.target_index.to_le_bytes());
        self.proof.write_bcs(w);
    }
}

impl<'a, D: From<&'a [u8]>> BcsDecode<'a> for GeneralRecoverySymbol<D> {
    fn read_bcs(r: &mut Reader<'a>) -> Result<Self, WireError> {
        let target_axis = Axis::read_bcs(r)?;
        let symbol = DecodingSymbol::read_bcs(r)?;
        let target_index = r.u16("GeneralRecoverySymbol target_index")?;
        let proof = MerkleProof::read_bcs(r)?;
        Ok(GeneralRecoverySymbol { target_axis, symbol, target_index, proof })
    }
}

/// The smallest BCS size of a recovery symbol: index, empty data, empty proof.
#[cfg(feature = "alloc")]
const MIN_RECOVERY_SYMBOL_BYTES: usize = 4;

/// Elements reserved up front when decoding a vector of large structs: a claimed length only
/// reserves what a few real elements would, and the vector grows as elements actually parse.
#[cfg(feature = "alloc")]
const PREALLOCATE_MAX: usize = 64;

/// Encodes a `Vec<GeneralRecoverySymbol>` (the body of `GET /recoverySymbols`, SPEC §11).
#[cfg(feature = "alloc")]
pub fn general_recovery_symbols_to_bcs<D: AsRef<[u8]>>(symbols: &[GeneralRecoverySymbol<D>]) -> Vec<u8> {
    let mut out = Vec::with_capacity(5 + symbols.iter().map(BcsEncode::bcs_len).sum::<usize>());
    write_uleb128(&mut out, len_u32(symbols.len()));
    for symbol in symbols {
        symbol.write_bcs(&mut out);
    }
    out
}

/// Decodes a `Vec<GeneralRecoverySymbol>` (the body of `GET /recoverySymbols`, SPEC §11).
///
/// # Errors
///
/// [`WireError`] on malformed, truncated or trailing input.
#[cfg(feature = "alloc")]
pub fn general_recovery_symbols_from_bcs<'a, D: From<&'a [u8]>>(
    bytes: &'a [u8],
) -> Result<Vec<GeneralRecoverySymbol<D>>, WireError> {
    let mut r = Reader::new(bytes);
    let len = r.seq_len("Vec<GeneralRecoverySymbol>", MIN_RECOVERY_SYMBOL_BYTES + 3)?;
    let mut out = Vec::with_capacity(len.min(PREALLOCATE_MAX));
    for _ in 0..len {
        out.push(GeneralRecoverySymbol::read_bcs(&mut r)?);
    }
    r.finish()?;
    Ok(out)
}

/// Encodes a `Vec<Sliver>`: each sliver in Walrus's `Sliver` enum form (`ByAxis` tag ‖
/// `SliverData`, SPEC §6, §16), the body of a Morsa node's batched sliver upload
/// (docs/network.md, `PUT /v1/blobs/{blob_id}/slivers`).
#[cfg(feature = "alloc")]
pub fn slivers_to_bcs<D: AsRef<[u8]>>(slivers: &[&Sliver<D>]) -> Vec<u8> {
    let mut out = Vec::with_capacity(5 + slivers.iter().map(|s| s.bcs_len_tagged()).sum::<usize>());
    write_uleb128(&mut out, len_u32(slivers.len()));
    for sliver in slivers {
        sliver.write_bcs_tagged(&mut out);
    }
    out
}

/// Decodes a `Vec<Sliver>` (see [`slivers_to_bcs`]).
///
/// # Errors
///
/// [`WireError`] on malformed, truncated or trailing input.
#[cfg(feature = "alloc")]
pub fn slivers_from_bcs<'a, D: From<&'a [u8]>>(bytes: &'a [u8]) -> Result<Vec<Sliver<D>>, WireError> {
    // A tagged sliver is at least its tag, an empty symbol vector and the 4-byte trailer.
    const MIN_TAGGED_SLIVER_BYTES: usize = 6;
    let mut r = Reader::new(bytes);
    let len = r.seq_len("Vec<Sliver>", MIN_TAGGED_SLIVER_BYTES)?;
    let mut out = Vec::with_capacity(len.min(PREALLOCATE_MAX));
    for _ in 0..len {
        out.push(Sliver::read_bcs_tagged(&mut r)?);
    }
    r.finish()?;
    Ok(out)
}

// ----- BTreeMap<SliverIndex, Vec<EitherDecodingSymbol>> (SPEC §11 `GET /decodingSymbols`) -----

/// One entry of the `/decodingSymbols` map: a target sliver index and the symbols for it, each
/// with the axis of the sliver it recovers (`EitherDecodingSymbol`).
#[cfg(feature = "alloc")]
pub type DecodingSymbolsEntry<D> = (u16, Vec<(Axis, DecodingSymbol<D>)>);

/// Encodes the body of `GET /decodingSymbols` (SPEC §11): a BCS map from target sliver index to
/// `Vec<EitherDecodingSymbol>` (`ByAxis` tag ‖ `DecodingSymbol`), with the keys in BCS order
/// (sorted by their serialized bytes, u16 little-endian) and repeated keys dropped (the first
/// is kept).
#[cfg(feature = "alloc")]
pub fn decoding_symbols_map_to_bcs<D: AsRef<[u8]>>(entries: &[DecodingSymbolsEntry<D>]) -> Vec<u8> {
    let mut order: Vec<&DecodingSymbolsEntry<D>> = entries.iter().collect();
    order.sort_by_key(|(key, _)| key.to_le_bytes());
    order.dedup_by_key(|(key, _)| *key);
    let mut out = Vec::new();
    write_uleb128(&mut out, len_u32(order.len()));
    for (key, symbols) in order {
        out.extend_from_slice(&key.to_le_bytes());
        write_uleb128(&mut out, len_u32(symbols.len()));
        for (axis, symbol) in symbols {
            axis.write_bcs(&mut out);
            symbol.write_bcs(&mut out);
        }
    }
    out
}

/// Decodes the body of `GET /decodingSymbols` (SPEC §11). Keys must be in canonical BCS order.
///
/// # Errors
///
/// [`WireError`] on malformed, truncated, trailing or non-canonical input.
#[cfg(feature = "alloc")]
pub fn decoding_symbols_map_from_bcs<'a, D: From<&'a [u8]>>(
    bytes: &'a [u8],
) -> Result<Vec<DecodingSymbolsEntry<D>>, WireError> {
    let mut r = Reader::new(bytes);
    let len = r.seq_len("BTreeMap<SliverIndex, Vec<EitherDecodingSymbol>>", 3)?;
    let mut out: Vec<DecodingSymbolsEntry<D>> = Vec::with_capacity(len.min(PREALLOCATE_MAX));
    for _ in 0..len {
        let key = r.u16("decoding-symbols map key")?;
        if let Some((previous, _)) = out.last() {
            if previous.to_le_bytes() >= key.to_le_bytes() {
                return Err(WireError::InvalidValue { what: "map keys are not in canonical BCS order" });
            }
        }
        let count = r.seq_len("Vec<EitherDecodingSymbol>", 4)?;
        let mut symbols = Vec::with_capacity(count.min(PREALLOCATE_MAX));
        for _ in 0..count {
            let axis = Axis::read_bcs(&mut r)?;
            symbols.push((axis, DecodingSymbol::read_bcs(&mut r)?));
        }
        out.push((key, symbols));
    }
    r.finish()?;
    Ok(out)
}

// ----- InconsistencyProof<T>: target_sliver_index u16 ‖ Vec<RecoverySymbol> (SPEC §9) -----

#[cfg(feature = "alloc")]
impl<D: AsRef<[u8]>> BcsEncode for InconsistencyProof<D> {
    fn bcs_len(&self) -> usize {
        2 + uleb128_len(len_u32(self.recovery_symbols.len()))
            + self.recovery_symbols.iter().map(BcsEncode::bcs_len).sum::<usize>()
    }

    fn write_bcs<W: BcsWrite + ?Sized>(&self, w: &mut W) {
        w.put(&self.target_sliver_index.to_le_bytes());
        write_uleb128(w, len_u32(self.recovery_symbols.len()));
        for symbol in &self.recovery_symbols {
            symbol.write_bcs(w);
        }
    }
}

#[cfg(feature = "alloc")]
impl<'a, D: From<&'a [u8]>> InconsistencyProof<D> {
    /// Reads the BCS of an `InconsistencyProof` of `target_axis` (the axis is in the URL;
    /// SPEC §9, §11).
    ///
    /// # Errors
    ///
    /// [`WireError`] on malformed or truncated input.
    pub fn read_bcs(r: &mut Reader<'a>, target_axis: Axis) -> Result<Self, WireError> {
        let target_sliver_index = r.u16("InconsistencyProof target_sliver_index")?;
        let len = r.seq_len("InconsistencyProof recovery_symbols", MIN_RECOVERY_SYMBOL_BYTES)?;
        let mut recovery_symbols = Vec::with_capacity(len.min(PREALLOCATE_MAX));
        for _ in 0..len {
            recovery_symbols.push(RecoverySymbol::read_bcs(r)?);
        }
        Ok(InconsistencyProof { target_axis, target_sliver_index, recovery_symbols })
    }

    /// Decodes an `InconsistencyProof` of `target_axis` spanning all of `bytes`.
    ///
    /// # Errors
    ///
    /// [`WireError`] on malformed, truncated or trailing input.
    pub fn from_bcs(bytes: &'a [u8], target_axis: Axis) -> Result<Self, WireError> {
        let mut r = Reader::new(bytes);
        let proof = Self::read_bcs(&mut r, target_axis)?;
        r.finish()?;
        Ok(proof)
    }

    /// Decodes the `ByAxis`-tagged form (tag 0 primary, 1 secondary).
    ///
    /// # Errors
    ///
    /// [`WireError`] on malformed, truncated or trailing input.
    pub fn from_bcs_tagged(bytes: &'a [u8]) -> Result<Self, WireError> {
        let mut r = Reader::new(bytes);
        let axis = Axis::read_bcs(&mut r)?;
        let proof = Self::read_bcs(&mut r, axis)?;
        r.finish()?;
        Ok(proof)
    }
}

#[cfg(feature = "alloc")]
impl<D: AsRef<[u8]>> InconsistencyProof<D> {
    /// The `ByAxis`-tagged BCS form.
    pub fn to_bcs_tagged(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(1 + self.bcs_len());
        self.target_axis.write_bcs(&mut out);
        self.write_bcs(&mut out);
        out
    }
}
