//! Bounded-memory blob IDs over a seekable source (SPEC §14).
//!
//! [`EncodingConfig::compute_metadata_streaming`] computes exactly the metadata of
//! [`EncodingConfig::compute_metadata`] without holding the blob or its expansion in memory.
//! It works in *byte stripes*: the Reed-Solomon code acts independently on every element
//! position, and rss's element layout (64-byte blocks split into low/high halves, SPEC §2.2)
//! is preserved by any stripe that starts at a multiple of 64, so encoding bytes
//! `[o, o + W)` of every symbol gives bytes `[o, o + W)` of every expanded symbol. For each
//! stripe, in one pass:
//!
//! 1. each source row `r < p` reads its stripe (`s` pieces of `W` bytes, region `A`) and
//!    row-encodes it into the stripe of its `f` repair symbols (region `B`);
//! 2. each of the `n` columns column-encodes the stripes of its `p` symbols (from `A` or `B`)
//!    into those of its `n - p` repair symbols (regions `C` and `D`).
//!
//! Every piece is fed to its symbol's resumable BLAKE2b leaf hash ([`crate::hash`]) as soon as
//! it exists (stripes being multiples of the 128-byte BLAKE2b block); when the last stripe is
//! done the `n²` leaf hashes give the `2n` Merkle roots. So the source is read once, every
//! symbol is encoded once per axis and hashed once, and memory is the stripes of `A` and `B`
//! (`p · n · W` bytes, `W` bounded by the budget) plus the `n²` hash states (72 bytes each;
//! 32-byte digests when the whole blob is one stripe): independent of the blob size.

use alloc::vec;
use alloc::vec::Vec;

use super::rs::RsEncoder;
use super::{EncodeError, EncodingConfig, EncodingType};
use crate::encoding::blob::ProgressFn;
use crate::hash::{leaf_hashes, merkle_root, update_many, StripeHasher};
use crate::merkle::{DIGEST_LEN, LEAF_PREFIX};
use crate::metadata::{BlobMetadata, BlobMetadataWithId, SliverPairMetadata, VerifiedBlobMetadataWithId};

/// `Sync` with the `parallel` feature (sources are read from several threads), no bound
/// without it.
#[cfg(feature = "parallel")]
pub trait MaybeSync: Sync {}
#[cfg(feature = "parallel")]
impl<T: Sync + ?Sized> MaybeSync for T {}
/// `Sync` with the `parallel` feature (sources are read from several threads), no bound
/// without it.
#[cfg(not(feature = "parallel"))]
pub trait MaybeSync {}
#[cfg(not(feature = "parallel"))]
impl<T: ?Sized> MaybeSync for T {}

/// `Send` with the `parallel` feature, no bound without it.
#[cfg(feature = "parallel")]
pub trait MaybeSend: Send {}
#[cfg(feature = "parallel")]
impl<T: Send + ?Sized> MaybeSend for T {}
/// `Send` with the `parallel` feature, no bound without it.
#[cfg(not(feature = "parallel"))]
pub trait MaybeSend {}
#[cfg(not(feature = "parallel"))]
impl<T: ?Sized> MaybeSend for T {}

/// A seekable source of blob bytes, read with positioned reads (from several threads at once
/// with the `parallel` feature, which then requires `Sync` sources and `Send` errors).
pub trait BlobSource: MaybeSync {
    /// The error of a read.
    type Error: MaybeSend;

    /// The length of the blob in bytes.
    fn len(&self) -> u64;

    /// Whether the blob is empty.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Fills `buf` with the bytes at `offset..offset + buf.len()` (always within `len()`).
    ///
    /// # Errors
    ///
    /// Whatever the source fails with; the computation stops with it.
    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), Self::Error>;

    /// Fills `buf` with pieces of `piece` bytes (`buf.len()` is a multiple of `piece`), the
    /// `i`-th read at `offset + i * stride` (all within `len()`). The default reads each piece
    /// with [`BlobSource::read_exact_at`]; a file source may map the span instead.
    ///
    /// # Errors
    ///
    /// Whatever the source fails with.
    fn read_pieces_at(&self, offset: u64, piece: usize, stride: u64, buf: &mut [u8]) -> Result<(), Self::Error> {
        for (i, dst) in buf.chunks_exact_mut(piece).enumerate() {
            self.read_exact_at(offset + i as u64 * stride, dst)?;
        }
        Ok(())
    }
}

impl BlobSource for [u8] {
    type Error = core::convert::Infallible;

    fn len(&self) -> u64 {
        <[u8]>::len(self) as u64
    }

    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), Self::Error> {
        let start = offset as usize;
        buf.copy_from_slice(&self[start..start + buf.len()]);
        Ok(())
    }
}

/// Errors of [`EncodingConfig::compute_metadata_streaming`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StreamError<E> {
    /// The encoding failed (blob too large).
    Encode(EncodeError),
    /// The source failed.
    Source(E),
}

impl<E: core::fmt::Display> core::fmt::Display for StreamError<E> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            StreamError::Encode(e) => write!(f, "{e}"),
            StreamError::Source(e) => write!(f, "reading the blob failed: {e}"),
        }
    }
}

impl<E: core::fmt::Debug + core::fmt::Display> core::error::Error for StreamError<E> {}

/// The default working-memory budget of the streaming computation: the byte stripes of the
/// `p` source rows and their row repair symbols (SPEC §14).
pub const DEFAULT_STREAM_BUDGET: usize = 128 << 20;

/// Reads `buf.len()` bytes at `offset`, zero-padded past the end of the source.
pub(super) fn read_padded<S: BlobSource + ?Sized>(source: &S, offset: u64, buf: &mut [u8]) -> Result<(), S::Error> {
    let len = source.len();
    let available = len.saturating_sub(offset).min(buf.len() as u64) as usize;
    if available > 0 {
        source.read_exact_at(offset, &mut buf[..available])?;
    }
    buf[available..].fill(0);
    Ok(())
}

/// Fills `buf` with pieces of `width` bytes, piece `i` read at `offset + i · stride` and
/// zero-padded past the end of the source.
fn read_stripe<S: BlobSource + ?Sized>(
    source: &S,
    offset: u64,
    width: usize,
    stride: u64,
    buf: &mut [u8],
) -> Result<(), S::Error> {
    let len = source.len();
    let count = buf.len() / width;
    // The pieces fully inside the blob are a prefix, read in one call.
    let inside = if len >= offset + width as u64 {
        (((len - offset - width as u64) / stride) as usize + 1).min(count)
    } else {
        0
    };
    if inside > 0 {
        let prefix = &mut buf[..inside * width];
        if stride == width as u64 {
            source.read_exact_at(offset, prefix)?;
        } else {
            source.read_pieces_at(offset, width, stride, prefix)?;
        }
    }
    for (i, piece) in buf.chunks_exact_mut(width).enumerate().skip(inside) {
        read_padded(source, offset + i as u64 * stride, piece)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Leaf hashes of a region: whole digests when the blob is one stripe, else resumable states.

enum Leaves {
    Digests(Vec<[u8; DIGEST_LEN]>),
    States(Vec<StripeHasher>),
}

enum LeafChunk<'a> {
    Digests(&'a mut [[u8; DIGEST_LEN]]),
    States(&'a mut [StripeHasher]),
}

impl Leaves {
    fn new(count: usize, striped: bool) -> Self {
        if striped {
            Leaves::States(vec![StripeHasher::new(LEAF_PREFIX); count])
        } else {
            Leaves::Digests(vec![[0; DIGEST_LEN]; count])
        }
    }

    fn chunks_mut(&mut self, size: usize) -> Vec<LeafChunk<'_>> {
        match self {
            Leaves::Digests(d) => d.chunks_mut(size).map(LeafChunk::Digests).collect(),
            Leaves::States(s) => s.chunks_mut(size).map(LeafChunk::States).collect(),
        }
    }

    fn into_digests(self) -> Vec<[u8; DIGEST_LEN]> {
        match self {
            Leaves::Digests(d) => d,
            Leaves::States(s) => s.iter().map(StripeHasher::digest).collect(),
        }
    }
}

impl LeafChunk<'_> {
    /// Feeds the stripe at `offset` of each symbol, in order.
    fn feed<'a>(&mut self, pieces: impl IntoIterator<Item = &'a [u8]>, offset: usize, last: bool) {
        match self {
            LeafChunk::Digests(d) => leaf_hashes(pieces, d),
            LeafChunk::States(s) => update_many(s, pieces, offset, last),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Work over tasks, in parallel with the `parallel` feature (one Reed-Solomon encoder per thread).

/// Calls `f(encoder, i, &mut tasks[i])` for every task, stopping at the first error.
pub(super) fn for_each_task<T: MaybeSend, E: MaybeSend>(
    tasks: &mut [T],
    f: impl Fn(&mut RsEncoder, usize, &mut T) -> Result<(), E> + MaybeSync + MaybeSend,
) -> Result<(), E> {
    for_each_task_with(tasks, f)
}

/// Per-thread pools of task states (Reed-Solomon work buffers, scratch vectors), so that
/// repeated calls reuse their memory instead of faulting in fresh pages each time.
#[cfg(feature = "parallel")]
mod pool {
    use alloc::boxed::Box;
    use alloc::vec::Vec;
    use core::any::Any;
    use core::cell::RefCell;

    std::thread_local! {
        static STATES: RefCell<Vec<Box<dyn Any>>> = const { RefCell::new(Vec::new()) };
    }

    /// A state taken from this thread's pool (or created), returned to it when dropped.
    pub(super) struct Pooled<C: 'static>(Option<C>);

    impl<C: Default + 'static> Pooled<C> {
        pub(super) fn take() -> Self {
            let reused = STATES.with(|states| {
                let mut states = states.borrow_mut();
                let i = states.iter().position(|state| state.is::<C>())?;
                states.swap_remove(i).downcast::<C>().ok()
            });
            Self(Some(reused.map_or_else(C::default, |state| *state)))
        }

        pub(super) fn get(&mut self) -> &mut C {
            self.0.get_or_insert_with(C::default)
        }
    }

    impl<C: 'static> Drop for Pooled<C> {
        fn drop(&mut self) {
            if let Some(state) = self.0.take() {
                // During thread teardown the pool may be gone: the state is then just dropped.
                let _ = STATES.try_with(|states| states.borrow_mut().push(Box::new(state)));
            }
        }
    }
}

/// Calls `f(state, i, &mut tasks[i])` for every task, stopping at the first error; each
/// thread has its own `state`, created with `C::default()` (with `parallel`, reused from a
/// per-thread pool across calls).
pub(super) fn for_each_task_with<C: Default + 'static, T: MaybeSend, E: MaybeSend>(
    tasks: &mut [T],
    f: impl Fn(&mut C, usize, &mut T) -> Result<(), E> + MaybeSync + MaybeSend,
) -> Result<(), E> {
    #[cfg(feature = "parallel")]
    {
        // Dynamic scheduling (uneven reads balance out) over at most four pieces per thread, so
        // that states (Reed-Solomon work buffers) are created a few times, not once per task.
        use rayon::prelude::*;
        let min_len = tasks.len().div_ceil(4 * rayon::current_num_threads()).max(1);
        tasks
            .par_iter_mut()
            .enumerate()
            .with_min_len(min_len)
            .try_for_each_init(pool::Pooled::<C>::take, |state, (i, task)| f(state.get(), i, task))
    }
    #[cfg(not(feature = "parallel"))]
    {
        let mut state = C::default();
        for (i, task) in tasks.iter_mut().enumerate() {
            f(&mut state, i, task)?;
        }
        Ok(())
    }
}

/// Buffers of one root computation: the gathered leaves of a tree and the Merkle scratch.
type RootBuffers = (Vec<[u8; DIGEST_LEN]>, Vec<[u8; DIGEST_LEN]>);

/// `(0..count).map(|i| f(buffers, i))` collected, in parallel with the `parallel` feature
/// (buffers per task).
fn map_collect<T: MaybeSend>(count: usize, f: impl Fn(&mut RootBuffers, usize) -> T + MaybeSync + MaybeSend) -> Vec<T> {
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        (0..count).into_par_iter().map_init(RootBuffers::default, f).collect()
    }
    #[cfg(not(feature = "parallel"))]
    {
        let mut buffers = RootBuffers::default();
        (0..count).map(|i| f(&mut buffers, i)).collect()
    }
}

/// Symbols up to this size are encoded in groups (see [`pack_small`]).
const SMALL_SYMBOL: usize = 32;

/// Packs symbols of `size < 64` bytes side by side into one shard of the Reed-Solomon engine.
///
/// rss reads a shard of `T < 64` bytes (or exactly 64) as one block whose element `j` has low
/// byte `shard[j]` and high byte `shard[T/2 + j]` (SPEC §2.2). So `g` symbols of `size` bytes
/// packed as *all their low halves, then all their high halves* form one shard of `g · size ≤
/// 64` bytes whose element `i · size/2 + j` is element `j` of symbol `i`. The code acts on each
/// element position independently, so encoding packed shards and unpacking the result with
/// [`unpack_small`] gives exactly the per-symbol encodings, at a fraction of the calls (each
/// call pads every shard to 64 bytes).
fn pack_small<'a>(symbols: impl Iterator<Item = &'a [u8]>, count: usize, size: usize, out: &mut [u8]) {
    let half = size / 2;
    for (i, symbol) in symbols.enumerate() {
        out[i * half..(i + 1) * half].copy_from_slice(&symbol[..half]);
        out[(count + i) * half..(count + i + 1) * half].copy_from_slice(&symbol[half..]);
    }
}

/// Symbol `i` of a shard packed by [`pack_small`] from `count` symbols, into `out`.
fn unpack_small(packed: &[u8], i: usize, count: usize, out: &mut [u8]) {
    let half = out.len() / 2;
    out[..half].copy_from_slice(&packed[i * half..(i + 1) * half]);
    out[half..].copy_from_slice(&packed[(count + i) * half..(count + i + 1) * half]);
}

/// The one stripe of a blob of tiny symbols: the message rows (`a`, p × s symbols, read here)
/// and their repair (`b`, p × f).
struct SmallRegions<'a> {
    a: &'a mut [u8],
    b: &'a mut [u8],
    size: usize,
    n: usize,
    p: usize,
    s: usize,
}

/// Reads and encodes a blob of symbols of at most [`SMALL_SYMBOL`] bytes (one stripe) with
/// groups of `64 / size` rows, then columns, per Reed-Solomon call, hashing every leaf.
fn encode_small<S: BlobSource + ?Sized>(
    source: &S,
    regions: SmallRegions<'_>,
    source_leaves: &mut [[u8; DIGEST_LEN]],
    repair_leaves: &mut [[u8; DIGEST_LEN]],
) -> Result<(), StreamError<S::Error>> {
    let SmallRegions { a, b, size, n, p, s } = regions;
    let (f, q) = (n - s, n - p);
    let group = 64 / size;
    let rs_err = |_| StreamError::Encode(EncodeError::ReedSolomon);
    type State = (RsEncoder, Vec<u8>);

    // Rows, `group` at a time (contiguous in the source: one read).
    let mut rows: Vec<_> = a
        .chunks_mut(group * s * size)
        .zip(b.chunks_mut(group * f * size))
        .zip(source_leaves.chunks_mut(group * n))
        .collect();
    for_each_task_with(&mut rows, |(enc, packed): &mut State, g, ((rows, repair), leaves)| {
        let count = rows.len() / (s * size);
        read_stripe(source, (g * group * s * size) as u64, size, size as u64, rows).map_err(StreamError::Source)?;
        let width = count * size;
        packed.resize(s * width, 0);
        for (j, shard) in packed.chunks_exact_mut(width).enumerate() {
            pack_small((0..count).map(|i| &rows[(i * s + j) * size..][..size]), count, size, shard);
        }
        let recovery = enc.encode(s, n, width, packed.chunks_exact(width)).map_err(rs_err)?;
        for (j, shard) in recovery.iter().enumerate() {
            for i in 0..count {
                unpack_small(shard, i, count, &mut repair[(i * f + j) * size..][..size]);
            }
        }
        for (i, leaves) in leaves.chunks_mut(n).enumerate() {
            let symbols = rows[i * s * size..(i + 1) * s * size].chunks_exact(size);
            leaf_hashes(symbols.chain(repair[i * f * size..(i + 1) * f * size].chunks_exact(size)), leaves);
        }
        Ok(())
    })?;
    drop(rows);

    // Columns, `group` at a time.
    let (a, b) = (&*a, &*b);
    let symbol = |r: usize, c: usize| {
        if c < s {
            &a[(r * s + c) * size..][..size]
        } else {
            &b[(r * f + c - s) * size..][..size]
        }
    };
    let mut columns: Vec<_> = repair_leaves.chunks_mut(group * q).collect();
    for_each_task_with(&mut columns, |(enc, buffer): &mut State, g, leaves| {
        let c0 = g * group;
        let count = leaves.len() / q;
        let width = count * size;
        buffer.resize(p * width + count * q * size, 0);
        let (packed, unpacked) = buffer.split_at_mut(p * width);
        for (r, shard) in packed.chunks_exact_mut(width).enumerate() {
            pack_small((0..count).map(|i| symbol(r, c0 + i)), count, size, shard);
        }
        let recovery = enc.encode(p, n, width, packed.chunks_exact(width)).map_err(|_| EncodeError::ReedSolomon)?;
        for (j, shard) in recovery.iter().enumerate() {
            for i in 0..count {
                unpack_small(shard, i, count, &mut unpacked[(i * q + j) * size..][..size]);
            }
        }
        for (i, leaves) in leaves.chunks_mut(q).enumerate() {
            leaf_hashes(unpacked[i * q * size..(i + 1) * q * size].chunks_exact(size), leaves);
        }
        Ok(())
    })
    .map_err(StreamError::Encode)
}

impl EncodingConfig {
    /// The metadata of the blob read from `source`, equal to
    /// [`EncodingConfig::compute_metadata`] of its bytes, in memory independent of the blob
    /// size: the stripe buffers, about `budget` bytes (more only when a 128-byte stripe needs
    /// more), plus `n² · 32` bytes of leaf hashes, or `n² · 72` bytes of hash states when the
    /// blob takes more than one stripe (see the module docs). The source is read once. With
    /// the `parallel` feature the work is spread over rayon's pool.
    ///
    /// # Errors
    ///
    /// [`StreamError::Encode`] when the blob is too large, [`StreamError::Source`] when a read
    /// fails.
    pub fn compute_metadata_streaming<S: BlobSource + ?Sized>(
        &self,
        source: &S,
        budget: usize,
        progress: Option<ProgressFn<'_>>,
    ) -> Result<VerifiedBlobMetadataWithId, StreamError<S::Error>> {
        let blob_len = source.len();
        let symbol_size = self.symbol_size(blob_len).map_err(StreamError::Encode)?;
        let size = usize::from(symbol_size.get());
        let n = usize::from(self.n_shards());
        let p = usize::from(self.n_primary_source_symbols());
        let s = usize::from(self.n_secondary_source_symbols());
        let f = n - s;
        let q = n - p;
        let rs_err = |_| StreamError::Encode(EncodeError::ReedSolomon);

        // Stripes: one if the p rows with their repair (p·n·S bytes) fit the budget, else
        // widths multiple of 128 (the BLAKE2b block; also a multiple of rss's 64-byte layout),
        // the last taking the rest.
        let max_width = (budget / (p * n) / 128 * 128).max(128);
        let (width, n_stripes) = if size <= max_width {
            (size, 1)
        } else {
            let width = size.div_ceil(size.div_ceil(max_width)).div_ceil(128) * 128;
            (width, size.div_ceil(width))
        };
        let striped = n_stripes > 1;
        let total_steps = (n_stripes * (p + n)) as u64;
        let mut progress = progress;
        let mut step = 0u64;
        let mut report = |done: usize| {
            step += done as u64;
            if let Some(cb) = progress.as_mut() {
                cb(step, total_steps);
            }
        };

        // Leaf hashes (or states): L[r][c] for r < p, row-major; L[p + j][c] column-major.
        let mut source_leaves = Leaves::new(p * n, striped);
        let mut repair_leaves = Leaves::new(n * q, striped);
        // The stripe of the source rows (A: p × s pieces) and of their repair symbols (B: p × f).
        let mut a_stripe = vec![0u8; p * s * width];
        let mut b_stripe = vec![0u8; p * f * width];

        for t in 0..n_stripes {
            let offset = t * width;
            let w = width.min(size - offset);
            let last = t + 1 == n_stripes;
            let a_stripe = &mut a_stripe[..p * s * w];
            let b_stripe = &mut b_stripe[..p * f * w];

            if let (true, Leaves::Digests(source_leaves), Leaves::Digests(repair_leaves)) =
                (size <= SMALL_SYMBOL, &mut source_leaves, &mut repair_leaves)
            {
                // Tiny symbols (one stripe): the codes run on groups of rows and columns at once.
                let regions = SmallRegions { a: a_stripe, b: b_stripe, size, n, p, s };
                encode_small(source, regions, source_leaves, repair_leaves)?;
                report(p + n);
                continue;
            }

            // Rows r < p (regions A and B): read the row's stripe, the row code, then the
            // stripes of its n leaves. Each task reads its own row, so reads run in parallel.
            let mut rows: Vec<_> =
                a_stripe.chunks_mut(s * w).zip(b_stripe.chunks_mut(f * w)).zip(source_leaves.chunks_mut(n)).collect();
            for_each_task(&mut rows, |enc, r, ((row, repair), leaves)| {
                let row_offset = (r * s * size + offset) as u64;
                read_stripe(source, row_offset, w, size as u64, row).map_err(StreamError::Source)?;
                let recovery = enc.encode(s, n, w, row.chunks_exact(w)).map_err(rs_err)?;
                for (dst, piece) in repair.chunks_exact_mut(w).zip(recovery.iter()) {
                    dst.copy_from_slice(piece);
                }
                leaves.feed(row.chunks_exact(w).chain(recovery.iter()), offset, last);
                Ok(())
            })?;
            drop(rows);
            report(p);

            // Columns c < n (regions C and D): the column code of A's and B's columns.
            let (a_stripe, b_stripe) = (&*a_stripe, &*b_stripe);
            let mut columns = repair_leaves.chunks_mut(q);
            for_each_task(&mut columns, |enc, c, leaves| {
                let column = (0..p).map(|r| {
                    if c < s {
                        &a_stripe[(r * s + c) * w..][..w]
                    } else {
                        &b_stripe[(r * f + c - s) * w..][..w]
                    }
                });
                leaves.feed(enc.encode(p, n, w, column)?.iter(), offset, last);
                Ok(())
            })
            .map_err(rs_err)?;
            drop(columns);
            report(n);
        }
        drop((a_stripe, b_stripe));
        let source_leaves = source_leaves.into_digests();
        let repair_leaves = repair_leaves.into_digests();

        Ok(metadata_from_leaves(self, blob_len, &source_leaves, &repair_leaves))
    }
}

/// The metadata from the `n²` leaf hashes: `source_leaves[r * n + c]` for rows `r < p`,
/// `repair_leaves[c * (n - p) + j]` for row `p + j` (SPEC §5.2: row `i` is primary sliver `i`,
/// column `c` secondary sliver `c`; pair `i` = (row `i`, column `n - 1 - i`), SPEC §3.4).
pub(super) fn metadata_from_leaves(
    config: &EncodingConfig,
    blob_len: u64,
    source_leaves: &[[u8; DIGEST_LEN]],
    repair_leaves: &[[u8; DIGEST_LEN]],
) -> VerifiedBlobMetadataWithId {
    let n = usize::from(config.n_shards());
    let p = usize::from(config.n_primary_source_symbols());
    let q = n - p;
    let row_roots = map_collect(n, |(leaves, scratch), r| {
        if r < p {
            merkle_root(&source_leaves[r * n..(r + 1) * n], scratch)
        } else {
            leaves.clear();
            leaves.extend((0..n).map(|c| repair_leaves[c * q + r - p]));
            merkle_root(leaves, scratch)
        }
    });
    let column_roots = map_collect(n, |(leaves, scratch), c| {
        leaves.clear();
        leaves.extend((0..p).map(|r| source_leaves[r * n + c]));
        leaves.extend_from_slice(&repair_leaves[c * q..(c + 1) * q]);
        merkle_root(leaves, scratch)
    });
    let hashes = (0..n)
        .map(|i| SliverPairMetadata { primary_hash: row_roots[i], secondary_hash: column_roots[n - 1 - i] })
        .collect();
    let metadata = BlobMetadata { encoding_type: EncodingType::RS2, unencoded_length: blob_len, hashes };
    let blob_id = metadata.compute_blob_id();
    VerifiedBlobMetadataWithId::new_trusted(BlobMetadataWithId { blob_id, metadata }, *config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streaming_equals_in_memory() {
        for n in [4u16, 7, 10, 31] {
            let config = EncodingConfig::new(n).unwrap();
            let max = config.max_blob_size() as usize;
            for len in [0usize, 1, 17, 1000, 5000, 40_000, max / 3, max] {
                if len > max {
                    continue;
                }
                let blob: Vec<u8> = (0..len).map(|i| (i * 7 + i / 251) as u8).collect();
                // The encoder works in two passes over whole rows and columns, not stripes.
                let encoded = config.encode(&blob).unwrap();
                let expected = encoded.metadata();
                for budget in [0usize, 10_000, 1 << 20] {
                    let got = config.compute_metadata_streaming(&blob[..], budget, None).unwrap();
                    assert_eq!(got.blob_id(), expected.blob_id(), "n {n} len {len} budget {budget}");
                    assert_eq!(got.metadata(), expected.metadata());
                }
            }
        }
    }
}
