//! The block layout: symbols of any size as whole 64-byte blocks, so that stripes of many
//! symbols can be coded side by side in one transform.
//!
//! The engine reads a shard as 64-byte blocks whose element `j` has low byte `block[j]` and high
//! byte `block[32 + j]`, except a final block of `T < 64` bytes, read with low byte `tail[j]` and
//! high byte `tail[T/2 + j]` (SPEC §2.2). Moving the tail's halves to offsets 0 and 32 of a
//! zero-filled block keeps every element, so coding blocks of laid-out symbols and reversing the
//! layout gives exactly the per-symbol results (the code acts on each element position
//! independently; the zero padding elements stay zero).

/// The number of blocks of a symbol of `size` bytes in the block layout.
pub(crate) const fn layout_blocks(size: usize) -> usize {
    size.div_ceil(64)
}

/// Blocks `first..first + out.len()` of a symbol in the block layout, written into `out`.
pub(crate) fn read_blocks(symbol: &[u8], first: usize, out: &mut [[u8; 64]]) {
    let whole = (symbol.len() / 64).saturating_sub(first).min(out.len());
    out[..whole].as_flattened_mut().copy_from_slice(&symbol[first * 64..(first + whole) * 64]);
    for (b, block) in (first + whole..).zip(&mut out[whole..]) {
        read_block(symbol, b, block);
    }
}

/// The inverse of [`read_blocks`]: blocks `first..` of a symbol of `symbol_size` bytes written
/// into `out`, the symbol's first bytes (as [`write_block`]).
pub(crate) fn write_blocks(blocks: &[[u8; 64]], first: usize, symbol_size: usize, out: &mut [u8]) {
    let whole = (symbol_size / 64).saturating_sub(first).min(blocks.len());
    let at = (first * 64).min(out.len());
    let len = (whole * 64).min(out.len() - at);
    out[at..at + len].copy_from_slice(&blocks[..whole].as_flattened()[..len]);
    for (b, block) in (first + whole..).zip(&blocks[whole..]) {
        write_block(block, b, symbol_size, out);
    }
}

/// Block `b` of a symbol in the block layout, written into `out`.
pub(crate) fn read_block(symbol: &[u8], b: usize, out: &mut [u8; 64]) {
    let full = symbol.len() / 64;
    if b < full {
        out.copy_from_slice(&symbol[b * 64..(b + 1) * 64]);
        return;
    }
    let half = (symbol.len() - full * 64) / 2;
    out.fill(0);
    out[..half].copy_from_slice(&symbol[full * 64..full * 64 + half]);
    out[32..32 + half].copy_from_slice(&symbol[full * 64 + half..full * 64 + 2 * half]);
}

/// The inverse of [`read_block`]: block `b` of a symbol of `symbol_size` bytes written into
/// `out`, the symbol's first bytes (`out` may be shorter than the symbol, e.g. at the end of
/// a blob; bytes past it are dropped).
pub(crate) fn write_block(block: &[u8; 64], b: usize, symbol_size: usize, out: &mut [u8]) {
    let full = symbol_size / 64;
    let mut put = |from: &[u8], at: usize| {
        if at < out.len() {
            let len = from.len().min(out.len() - at);
            out[at..at + len].copy_from_slice(&from[..len]);
        }
    };
    if b < full {
        put(block, b * 64);
    } else {
        let half = (symbol_size - full * 64) / 2;
        put(&block[..half], full * 64);
        put(&block[32..32 + half], full * 64 + half);
    }
}
