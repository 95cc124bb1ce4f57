//! Hand-written BCS codecs for the Walrus wire types (SPEC conventions, §5.5, §6, §8.3, §9).
//!
//! BCS (Binary Canonical Serialization): little-endian fixed-width integers, ULEB128 sequence
//! lengths and enum tags (canonical, at most `u32::MAX`), fixed-size arrays without a length
//! prefix. The `bcs` crate does not build without `std`, so the few codecs Morsa needs are
//! written here; they reproduce its bytes exactly, reject non-canonical input and never
//! allocate more than the input can justify.
//!
//! Every type implements [`BcsEncode`] (into a caller-owned slice, or a `Vec` with `alloc`);
//! decoding is [`BcsDecode::from_bcs`], which also rejects trailing bytes. Types whose axis
//! is not in their bytes (slivers, decoding symbols) take it as a parameter instead.

mod codecs;

pub use codecs::SliverFrame;
#[cfg(feature = "alloc")]
pub use codecs::{
    decoding_symbols_map_from_bcs, decoding_symbols_map_to_bcs, general_recovery_symbols_from_bcs,
    general_recovery_symbols_to_bcs, slivers_from_bcs, slivers_to_bcs, DecodingSymbolsEntry,
};

#[cfg(feature = "alloc")]
use alloc::vec::Vec;

/// The largest sequence length BCS accepts (`bcs::MAX_SEQUENCE_LENGTH = 2^31 - 1`).
pub const MAX_SEQUENCE_LENGTH: usize = (1 << 31) - 1;

/// Errors of BCS decoding and encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum WireError {
    /// The input ended early.
    Truncated {
        /// What was being read.
        reading: &'static str,
        /// Bytes needed at that point.
        needed_bytes: usize,
        /// Bytes left in the input.
        remaining_bytes: usize,
    },
    /// Bytes were left after a complete value.
    TrailingBytes {
        /// Number of unread bytes.
        count: usize,
    },
    /// A ULEB128 integer is malformed: longer than 5 bytes, above `u32::MAX`, or not in its
    /// shortest form.
    InvalidUleb128,
    /// A sequence length exceeds [`MAX_SEQUENCE_LENGTH`] or what the remaining input could hold.
    LengthTooLarge {
        /// What was being read.
        reading: &'static str,
        /// The claimed length (elements).
        claimed: usize,
        /// The most the remaining input could hold.
        max: usize,
    },
    /// An enum tag is unknown.
    InvalidTag {
        /// The enum being read.
        type_name: &'static str,
        /// The tag found.
        tag: u32,
    },
    /// A field holds a value its type forbids (for example a zero symbol size).
    InvalidValue {
        /// What was wrong.
        what: &'static str,
    },
    /// A Merkle proof has more siblings than [`crate::merkle::MAX_PROOF_LEN`].
    ProofTooLong {
        /// The number of siblings claimed.
        got_siblings: usize,
    },
    /// The output buffer is too small.
    BufferTooSmall {
        /// Bytes needed.
        needed_bytes: usize,
        /// Bytes available.
        available_bytes: usize,
    },
}

impl core::fmt::Display for WireError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            WireError::Truncated { reading, needed_bytes, remaining_bytes } => {
                write!(f, "truncated BCS input: reading {reading} needs {needed_bytes} bytes, {remaining_bytes} left")
            }
            WireError::TrailingBytes { count } => write!(f, "{count} trailing bytes after the BCS value"),
            WireError::InvalidUleb128 => f.write_str("malformed or non-canonical ULEB128 integer"),
            WireError::LengthTooLarge { reading, claimed, max } => {
                write!(f, "BCS length of {reading} is {claimed}, at most {max} is possible here")
            }
            WireError::InvalidTag { type_name, tag } => write!(f, "invalid BCS tag {tag} for {type_name}"),
            WireError::InvalidValue { what } => write!(f, "invalid value: {what}"),
            WireError::ProofTooLong { got_siblings } => write!(
                f,
                "Merkle proof with {got_siblings} siblings (at most {} are possible)",
                crate::merkle::MAX_PROOF_LEN
            ),
            WireError::BufferTooSmall { needed_bytes, available_bytes } => {
                write!(f, "output buffer of {available_bytes} bytes is too small, {needed_bytes} needed")
            }
        }
    }
}

impl core::error::Error for WireError {}

/// A cursor over BCS input.
#[derive(Clone, Debug)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `buf`.
    pub const fn new(buf: &'a [u8]) -> Self {
        Self { buf, pos: 0 }
    }

    /// Bytes not read yet.
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// Fails with [`WireError::TrailingBytes`] unless every byte was read.
    pub fn finish(&self) -> Result<(), WireError> {
        match self.remaining() {
            0 => Ok(()),
            count => Err(WireError::TrailingBytes { count }),
        }
    }

    /// Reads `len` raw bytes.
    pub fn bytes(&mut self, len: usize, reading: &'static str) -> Result<&'a [u8], WireError> {
        let remaining_bytes = self.remaining();
        if len > remaining_bytes {
            return Err(WireError::Truncated { reading, needed_bytes: len, remaining_bytes });
        }
        let out = &self.buf[self.pos..self.pos + len];
        self.pos += len;
        Ok(out)
    }

    /// Reads a fixed-size array.
    pub fn array<const N: usize>(&mut self, reading: &'static str) -> Result<[u8; N], WireError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.bytes(N, reading)?);
        Ok(out)
    }

    /// Reads a `u8`.
    pub fn u8(&mut self, reading: &'static str) -> Result<u8, WireError> {
        Ok(self.array::<1>(reading)?[0])
    }

    /// Reads a little-endian `u16`.
    pub fn u16(&mut self, reading: &'static str) -> Result<u16, WireError> {
        Ok(u16::from_le_bytes(self.array(reading)?))
    }

    /// Reads a little-endian `u32`.
    pub fn u32(&mut self, reading: &'static str) -> Result<u32, WireError> {
        Ok(u32::from_le_bytes(self.array(reading)?))
    }

    /// Reads a little-endian `u64`.
    pub fn u64(&mut self, reading: &'static str) -> Result<u64, WireError> {
        Ok(u64::from_le_bytes(self.array(reading)?))
    }

    /// Reads a canonical ULEB128 `u32` (as the `bcs` crate does).
    pub fn uleb128(&mut self, reading: &'static str) -> Result<u32, WireError> {
        let mut value: u64 = 0;
        for shift in (0..35).step_by(7) {
            let byte = self.u8(reading)?;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                if shift > 0 && byte == 0 {
                    return Err(WireError::InvalidUleb128);
                }
                return u32::try_from(value).map_err(|_| WireError::InvalidUleb128);
            }
        }
        Err(WireError::InvalidUleb128)
    }

    /// Reads a sequence length whose elements take at least `min_element_bytes` each, so that
    /// the claimed length can never exceed what the remaining input holds.
    pub fn seq_len(&mut self, reading: &'static str, min_element_bytes: usize) -> Result<usize, WireError> {
        let claimed = self.uleb128(reading)? as usize;
        let max = (self.remaining() / min_element_bytes.max(1)).min(MAX_SEQUENCE_LENGTH);
        if claimed > max {
            return Err(WireError::LengthTooLarge { reading, claimed, max });
        }
        Ok(claimed)
    }

    /// Reads a length-prefixed byte vector.
    pub fn byte_vec(&mut self, reading: &'static str) -> Result<&'a [u8], WireError> {
        let len = self.seq_len(reading, 1)?;
        self.bytes(len, reading)
    }
}

/// Where BCS output goes.
pub trait BcsWrite {
    /// Appends `bytes`.
    fn put(&mut self, bytes: &[u8]);
}

#[cfg(feature = "alloc")]
impl BcsWrite for Vec<u8> {
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

/// Writes into a caller-owned slice; bytes past its end are counted, not written.
#[derive(Debug)]
pub struct SliceWriter<'a> {
    out: &'a mut [u8],
    len: usize,
}

impl<'a> SliceWriter<'a> {
    /// A writer at the start of `out`.
    pub fn new(out: &'a mut [u8]) -> Self {
        Self { out, len: 0 }
    }

    /// The number of bytes written, or the error if `out` was too small.
    pub fn finish(self) -> Result<usize, WireError> {
        if self.len > self.out.len() {
            Err(WireError::BufferTooSmall { needed_bytes: self.len, available_bytes: self.out.len() })
        } else {
            Ok(self.len)
        }
    }
}

impl BcsWrite for SliceWriter<'_> {
    fn put(&mut self, bytes: &[u8]) {
        let end = self.len + bytes.len();
        if end <= self.out.len() {
            self.out[self.len..end].copy_from_slice(bytes);
        }
        self.len = end;
    }
}

/// The number of bytes of the ULEB128 form of `value`.
pub const fn uleb128_len(value: u32) -> usize {
    let bits = 32 - value.leading_zeros() as usize;
    if bits == 0 {
        1
    } else {
        bits.div_ceil(7)
    }
}

/// Writes `value` as ULEB128.
pub fn write_uleb128<W: BcsWrite + ?Sized>(w: &mut W, mut value: u32) {
    let mut buf = [0u8; 5];
    let mut i = 0;
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            buf[i] = byte;
            i += 1;
            break;
        }
        buf[i] = byte | 0x80;
        i += 1;
    }
    w.put(&buf[..i]);
}

/// Writes a length-prefixed byte vector.
///
/// # Panics
///
/// If `bytes` is longer than `u32::MAX` (no Walrus value is).
pub fn write_byte_vec<W: BcsWrite + ?Sized>(w: &mut W, bytes: &[u8]) {
    write_uleb128(w, u32::try_from(bytes.len()).expect("BCS byte vector longer than u32::MAX"));
    w.put(bytes);
}

/// A value with a BCS encoding.
pub trait BcsEncode {
    /// The exact number of bytes [`BcsEncode::write_bcs`] writes.
    fn bcs_len(&self) -> usize;

    /// Writes the BCS bytes.
    fn write_bcs<W: BcsWrite + ?Sized>(&self, w: &mut W);

    /// Writes the BCS bytes into `out`, returning the number of bytes written.
    ///
    /// # Errors
    ///
    /// [`WireError::BufferTooSmall`] if `out` is shorter than [`BcsEncode::bcs_len`].
    fn to_bcs_slice(&self, out: &mut [u8]) -> Result<usize, WireError> {
        let mut w = SliceWriter::new(out);
        self.write_bcs(&mut w);
        w.finish()
    }

    /// The BCS bytes in a new vector.
    #[cfg(feature = "alloc")]
    fn to_bcs(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.bcs_len());
        self.write_bcs(&mut out);
        out
    }
}

/// A value with a BCS decoding that may borrow from the input.
pub trait BcsDecode<'a>: Sized {
    /// Reads one value from `r`.
    ///
    /// # Errors
    ///
    /// Any [`WireError`] on malformed or truncated input.
    fn read_bcs(r: &mut Reader<'a>) -> Result<Self, WireError>;

    /// Decodes a value that spans all of `bytes`.
    ///
    /// # Errors
    ///
    /// Any [`WireError`] on malformed or truncated input, or [`WireError::TrailingBytes`].
    fn from_bcs(bytes: &'a [u8]) -> Result<Self, WireError> {
        let mut r = Reader::new(bytes);
        let value = Self::read_bcs(&mut r)?;
        r.finish()?;
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uleb128_round_trips_and_rejects_bad_forms() {
        for v in [0u32, 1, 127, 128, 255, 300, 16_383, 16_384, u32::MAX] {
            let mut buf = [0u8; 5];
            let mut w = SliceWriter::new(&mut buf);
            write_uleb128(&mut w, v);
            let n = w.finish().unwrap();
            assert_eq!(n, uleb128_len(v));
            let mut r = Reader::new(&buf[..n]);
            assert_eq!(r.uleb128("v").unwrap(), v);
            assert_eq!(r.remaining(), 0);
        }
        // Non-canonical: 0 written in two bytes.
        assert_eq!(Reader::new(&[0x80, 0x00]).uleb128("v"), Err(WireError::InvalidUleb128));
        // Above u32::MAX.
        assert_eq!(Reader::new(&[0xff, 0xff, 0xff, 0xff, 0x1f]).uleb128("v"), Err(WireError::InvalidUleb128));
        // Six bytes.
        assert_eq!(Reader::new(&[0x80; 6]).uleb128("v"), Err(WireError::InvalidUleb128));
        // Truncated.
        assert!(matches!(Reader::new(&[0x80]).uleb128("v"), Err(WireError::Truncated { .. })));
    }

    #[test]
    fn claimed_lengths_are_capped_by_the_input() {
        let mut r = Reader::new(&[0x05, 1, 2, 3]);
        assert_eq!(r.seq_len("v", 1), Err(WireError::LengthTooLarge { reading: "v", claimed: 5, max: 3 }));
    }
}
