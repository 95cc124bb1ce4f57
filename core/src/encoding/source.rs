//! Where a streamed blob comes from ([`BlobSource`]), how a long computation runs
//! ([`StreamOptions`]: working-memory budget and progress) and its errors ([`StreamError`]),
//! and the reads the streaming computations share (SPEC §14).

use super::bounds::{MaybeSend, MaybeSync};
use super::EncodeError;

/// A progress callback: `(done, total)` in steps of the computation.
pub type ProgressFn<'a> = &'a mut dyn FnMut(u64, u64);

/// The default working-memory budget of the streaming computations: the byte stripes of the
/// `p` source rows and their row repair symbols (SPEC §14).
pub const DEFAULT_STREAM_BUDGET: usize = 128 << 20;

/// How a long computation (a blob ID, an encoding) runs: its working-memory budget in bytes
/// and an optional progress callback. `StreamOptions::default()` is the
/// [`DEFAULT_STREAM_BUDGET`] without progress.
#[non_exhaustive]
pub struct StreamOptions<'p> {
    /// The working memory of the stripe buffers in bytes (more only when one 128-byte stripe
    /// needs more).
    pub budget: usize,
    /// Called with `(done, total)` steps as the work advances.
    pub progress: Option<ProgressFn<'p>>,
}

impl Default for StreamOptions<'_> {
    fn default() -> Self {
        Self { budget: DEFAULT_STREAM_BUDGET, progress: None }
    }
}

impl<'p> StreamOptions<'p> {
    /// These options with a working-memory budget of `budget` bytes.
    #[must_use]
    pub fn budget(mut self, budget: usize) -> Self {
        self.budget = budget;
        self
    }

    /// These options reporting progress to `progress`.
    #[must_use]
    pub fn progress(mut self, progress: ProgressFn<'p>) -> Self {
        self.progress = Some(progress);
        self
    }

    /// These options reporting progress to `progress` when it is given.
    #[must_use]
    pub fn maybe_progress(mut self, progress: Option<ProgressFn<'p>>) -> Self {
        self.progress = progress;
        self
    }
}

/// Counts the steps of a computation and reports `(done, total)` to the options' callback.
pub(super) struct Steps<'p> {
    progress: Option<ProgressFn<'p>>,
    done: u64,
    total: u64,
}

impl<'p> Steps<'p> {
    /// A counter of `total` steps reporting to `progress`.
    pub(super) fn new(progress: Option<ProgressFn<'p>>, total: usize) -> Self {
        Self { progress, done: 0, total: total as u64 }
    }

    /// `count` more steps are done.
    pub(super) fn advance(&mut self, count: usize) {
        self.done += count as u64;
        if let Some(report) = self.progress.as_mut() {
            report(self.done, self.total);
        }
    }
}

impl core::fmt::Debug for StreamOptions<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("StreamOptions")
            .field("budget", &self.budget)
            .field("progress", &self.progress.is_some())
            .finish()
    }
}

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

/// Errors of [`EncodingConfig::compute_metadata_streaming`](super::EncodingConfig::compute_metadata_streaming).
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

/// Reads `buf.len()` bytes at `offset`, zero-padded past the end of the source.
pub(crate) fn read_padded<S: BlobSource + ?Sized>(source: &S, offset: u64, buf: &mut [u8]) -> Result<(), S::Error> {
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
pub(super) fn read_stripe<S: BlobSource + ?Sized>(
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
