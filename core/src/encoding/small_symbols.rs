//! Small-symbol packing: symbols of fewer than 64 bytes side by side in one shard of the
//! Reed-Solomon engine, so that a blob of tiny symbols is encoded in a fraction of the calls
//! (SPEC §2.2).

/// Symbols up to this size are encoded in groups (see [`pack_small`]).
pub(super) const SMALL_SYMBOL: usize = 32;

/// Packs symbols of `size < 64` bytes side by side into one shard of the Reed-Solomon engine.
///
/// rss reads a shard of `T < 64` bytes (or exactly 64) as one block whose element `j` has low
/// byte `shard[j]` and high byte `shard[T/2 + j]` (SPEC §2.2). So `g` symbols of `size` bytes
/// packed as *all their low halves, then all their high halves* form one shard of `g · size ≤
/// 64` bytes whose element `i · size/2 + j` is element `j` of symbol `i`. The code acts on each
/// element position independently, so encoding packed shards and unpacking the result with
/// [`unpack_small`] gives exactly the per-symbol encodings, at a fraction of the calls (each
/// call pads every shard to 64 bytes).
pub(super) fn pack_small<'a>(symbols: impl Iterator<Item = &'a [u8]>, count: usize, size: usize, out: &mut [u8]) {
    let half = size / 2;
    for (i, symbol) in symbols.enumerate() {
        out[i * half..(i + 1) * half].copy_from_slice(&symbol[..half]);
        out[(count + i) * half..(count + i + 1) * half].copy_from_slice(&symbol[half..]);
    }
}

/// Symbol `i` of a shard packed by [`pack_small`] from `count` symbols, into `out`.
pub(super) fn unpack_small(packed: &[u8], i: usize, count: usize, out: &mut [u8]) {
    let half = out.len() / 2;
    out[..half].copy_from_slice(&packed[i * half..(i + 1) * half]);
    out[half..].copy_from_slice(&packed[(count + i) * half..(count + i + 1) * half]);
}
