//! Files (feature `io`): a blob read from a file, and the directory of sliver files an encoding
//! is written to — the one definition of that layout, used by the Python package and its
//! command line alike.
//!
//! * [`FileSource`]: a [`BlobSource`] over a file, read with positioned reads, and through
//!   memory maps (`memmap2`) for the strided reads of the streaming encoder; safe to read from
//!   several threads at once.
//! * [`SliverDir`]: a [`SliverStore`] writing the `2n` sliver files of an encoding in place, each
//!   a BCS `SliverData` (SPEC §6) named by [`sliver_file_name`]; [`METADATA_FILE`] holds the
//!   BCS `BlobMetadataWithId` beside them.
//!
//! As BLAKE3's `mmap` feature does, the memory maps are of a file another process could
//! truncate meanwhile; a reader then gets `SIGBUS`, as with any memory-mapped reader.

use alloc::string::String;
use alloc::vec::Vec;
use core::num::NonZeroU16;
use std::fs::File;
use std::io;
use std::path::Path;

use crate::encoding::{Axis, BlobSource, EncodingConfig, SliverStore};
use crate::wire::SliverFrame;

/// The name of the metadata file of an encoding directory: BCS `BlobMetadataWithId` (SPEC §5).
pub const METADATA_FILE: &str = "metadata.bcs";

/// The name of the file of sliver `index` of `axis` in an encoding directory:
/// `primary-{index}.bcs` or `secondary-{index}.bcs`.
pub fn sliver_file_name(axis: Axis, index: u16) -> String {
    alloc::format!("{}-{index}.bcs", axis.as_str())
}

/// The axis and index of a sliver file's name ([`sliver_file_name`]'s inverse); `None` for any
/// other name (including non-canonical indices such as `primary-01.bcs`).
pub fn parse_sliver_file_name(name: &str) -> Option<(Axis, u16)> {
    let stem = name.strip_suffix(".bcs")?;
    let (axis, index) = stem.split_once('-')?;
    let axis: Axis = axis.parse().ok()?;
    let canonical =
        !index.is_empty() && index.bytes().all(|b| b.is_ascii_digit()) && (index == "0" || !index.starts_with('0'));
    if !canonical {
        return None;
    }
    Some((axis, index.parse().ok()?))
}

/// Reads exactly `buf.len()` bytes of `file` at `offset` (positioned: no shared cursor).
///
/// # Errors
///
/// The read's error; [`io::ErrorKind::UnexpectedEof`] past the end of the file.
pub fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    #[cfg(unix)]
    {
        std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
    }
    #[cfg(windows)]
    {
        let (mut buf, mut offset) = (buf, offset);
        while !buf.is_empty() {
            match std::os::windows::fs::FileExt::seek_read(file, buf, offset)? {
                0 => return Err(io::ErrorKind::UnexpectedEof.into()),
                n => {
                    buf = &mut buf[n..];
                    offset += n as u64;
                }
            }
        }
        Ok(())
    }
}

/// Writes all of `buf` into `file` at `offset` (positioned: no shared cursor).
///
/// # Errors
///
/// The write's error.
pub fn write_all_at(file: &File, buf: &[u8], offset: u64) -> io::Result<()> {
    #[cfg(unix)]
    {
        std::os::unix::fs::FileExt::write_all_at(file, buf, offset)
    }
    #[cfg(windows)]
    {
        let (mut buf, mut offset) = (buf, offset);
        while !buf.is_empty() {
            match std::os::windows::fs::FileExt::seek_write(file, buf, offset)? {
                0 => return Err(io::ErrorKind::WriteZero.into()),
                n => {
                    buf = &buf[n..];
                    offset += n as u64;
                }
            }
        }
        Ok(())
    }
}

/// A blob read from a file, for the streaming blob ID and encoding
/// ([`EncodingConfig::compute_metadata_streaming`], [`EncodingConfig::encode_streaming`]).
#[derive(Debug)]
pub struct FileSource {
    file: File,
    len: u64,
}

impl FileSource {
    /// Opens the file at `path`; its length is read once.
    ///
    /// # Errors
    ///
    /// The error of opening the file or reading its length.
    pub fn open(path: &Path) -> io::Result<Self> {
        Self::new(File::open(path)?)
    }

    /// A source over an open file.
    ///
    /// # Errors
    ///
    /// The error of reading its length.
    pub fn new(file: File) -> io::Result<Self> {
        let len = file.metadata()?.len();
        Ok(Self { file, len })
    }
}

/// Strided reads map windows of at most this many bytes: one system call per window instead
/// of one per piece, and at most one window of file pages in the resident set.
const MAP_WINDOW: u64 = 8 << 20;

impl BlobSource for FileSource {
    type Error = io::Error;

    fn len(&self) -> u64 {
        self.len
    }

    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        read_exact_at(&self.file, buf, offset)
    }

    /// Maps the span in windows of at most 8 MiB and copies the pieces; falls back to
    /// positioned reads where a window cannot be mapped.
    fn read_pieces_at(&self, offset: u64, piece: usize, stride: u64, buf: &mut [u8]) -> io::Result<()> {
        if piece == 0 {
            return Ok(());
        }
        let per_window = usize::try_from(MAP_WINDOW / stride.max(1)).unwrap_or(usize::MAX).max(1);
        for (w, chunk) in buf.chunks_mut(per_window.saturating_mul(piece)).enumerate() {
            let start = offset + (w * per_window) as u64 * stride;
            let count = chunk.len() / piece;
            let span = (count as u64 - 1) * stride + piece as u64;
            match usize::try_from(span).ok().and_then(|span| map_span(&self.file, start, span)) {
                Some(mapped) => {
                    for (i, dst) in chunk.chunks_exact_mut(piece).enumerate() {
                        let at = i * stride as usize;
                        dst.copy_from_slice(&mapped[at..at + piece]);
                    }
                }
                None => {
                    for (i, dst) in chunk.chunks_exact_mut(piece).enumerate() {
                        self.read_exact_at(start + i as u64 * stride, dst)?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// A read-only map of `len` bytes of `file` from `offset` (memmap2 aligns the offset to a
/// page); `None` where the system refuses it.
#[allow(unsafe_code)]
fn map_span(file: &File, offset: u64, len: usize) -> Option<memmap2::Mmap> {
    // SAFETY: a private read-only map of a range inside the file (the core reads only within
    // `len()`), which the caller drops before returning. A file truncated meanwhile raises
    // SIGBUS (module docs).
    unsafe { memmap2::MmapOptions::new().offset(offset).len(len).map(file) }.ok()
}

/// The `2n` sliver files of one encoding in a directory ([`sliver_file_name`]), each a BCS
/// `SliverData` (SPEC §6) created at its full length, its symbols written in place by the
/// streaming encoder ([`EncodingConfig::encode_streaming`]).
#[derive(Debug)]
pub struct SliverDir {
    /// Per axis (primary, secondary): the files by sliver index.
    files: [Vec<File>; 2],
    /// Per axis: the byte offset of the symbols (the BCS length prefix).
    data_offset: [u64; 2],
    symbol_size: u64,
}

impl SliverDir {
    /// Creates the `2n` files of an encoding with `config` and `symbol_size` in `directory`,
    /// each with its BCS frame around room for its symbols.
    ///
    /// # Errors
    ///
    /// The error of creating or sizing a file; [`io::ErrorKind::AlreadyExists`] if one exists
    /// already (files created before it stay: write into a fresh staging directory).
    pub fn create(directory: &Path, config: &EncodingConfig, symbol_size: NonZeroU16) -> io::Result<Self> {
        let mut files: [Vec<File>; 2] = [Vec::new(), Vec::new()];
        let mut data_offset = [0u64; 2];
        for (slot, axis) in [Axis::Primary, Axis::Secondary].into_iter().enumerate() {
            let data_len = config.sliver_len(axis, symbol_size);
            let data_len_u32 = u32::try_from(data_len).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
            for index in 0..config.n_shards() {
                let path = directory.join(sliver_file_name(axis, index));
                let file = File::options().read(true).write(true).create_new(true).open(&path)?;
                let frame = SliverFrame::new(data_len_u32, symbol_size, index);
                let offset = frame.prefix().len() as u64;
                file.set_len(offset + data_len as u64 + frame.suffix().len() as u64)?;
                write_all_at(&file, frame.prefix(), 0)?;
                write_all_at(&file, frame.suffix(), offset + data_len as u64)?;
                data_offset[slot] = offset;
                files[slot].push(file);
            }
        }
        Ok(Self { files, data_offset, symbol_size: u64::from(symbol_size.get()) })
    }

    fn slot(axis: Axis) -> usize {
        match axis {
            Axis::Primary => 0,
            Axis::Secondary => 1,
        }
    }

    fn file(&self, axis: Axis, index: u16) -> io::Result<(&File, u64)> {
        let slot = Self::slot(axis);
        let file = self.files[slot].get(usize::from(index)).ok_or_else(|| io::Error::from(io::ErrorKind::NotFound))?;
        Ok((file, self.data_offset[slot]))
    }
}

impl SliverStore for SliverDir {
    type Error = io::Error;

    fn write_symbols(&self, axis: Axis, index: u16, first: usize, parts: &[&[u8]]) -> io::Result<()> {
        let (file, data_offset) = self.file(axis, index)?;
        let offset = data_offset + first as u64 * self.symbol_size;
        if let [part] = parts {
            return write_all_at(file, part, offset);
        }
        write_all_at(file, &parts.concat(), offset)
    }

    fn read_symbols(&self, axis: Axis, index: u16, first: usize, buf: &mut [u8]) -> io::Result<()> {
        let (file, data_offset) = self.file(axis, index)?;
        read_exact_at(file, buf, data_offset + first as u64 * self.symbol_size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::{ConsistencyCheck, StreamOptions};

    fn scratch(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(std::format!("morsa-io-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn sliver_file_names_round_trip_and_others_are_refused() {
        for axis in [Axis::Primary, Axis::Secondary] {
            for index in [0u16, 7, 999, u16::MAX] {
                assert_eq!(parse_sliver_file_name(&sliver_file_name(axis, index)), Some((axis, index)));
            }
        }
        assert_eq!(sliver_file_name(Axis::Secondary, 12), "secondary-12.bcs");
        for name in [
            "metadata.bcs",
            "primary-01.bcs",
            "primary-.bcs",
            "row-1.bcs",
            "primary-1.bcs.tmp",
            "primary-65536.bcs",
            "primary-+1.bcs",
        ] {
            assert_eq!(parse_sliver_file_name(name), None, "{name}");
        }
    }

    #[test]
    fn a_file_encodes_into_a_directory_that_decodes_back() {
        let dir = scratch("encode");
        let blob: Vec<u8> = (0..200_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
        let path = dir.join("blob");
        std::fs::write(&path, &blob).unwrap();
        let config = EncodingConfig::new(10).unwrap();
        let source = FileSource::open(&path).unwrap();
        // A small budget: many windows of strided reads through the memory maps.
        let streamed = config.compute_metadata_streaming(&source, StreamOptions::default().budget(1 << 16)).unwrap();
        assert_eq!(streamed.blob_id(), &config.blob_id(&blob).unwrap());

        let out = dir.join("slivers");
        std::fs::create_dir(&out).unwrap();
        let symbol_size = config.symbol_size(blob.len() as u64).unwrap();
        let store = SliverDir::create(&out, &config, symbol_size).unwrap();
        let metadata = config.encode_streaming(&source, &store, StreamOptions::default()).unwrap();
        assert_eq!(metadata.blob_id(), streamed.blob_id());
        let slivers: Vec<_> = std::fs::read_dir(&out)
            .unwrap()
            .map(|entry| {
                let name = entry.unwrap().file_name().into_string().unwrap();
                let (axis, index) = parse_sliver_file_name(&name).unwrap();
                let sliver =
                    crate::encoding::Sliver::<Vec<u8>>::from_bcs(&std::fs::read(out.join(&name)).unwrap(), axis)
                        .unwrap();
                assert_eq!(sliver.index, index);
                sliver
            })
            .collect();
        assert_eq!(slivers.len(), 20);
        let decoded = crate::encoding::decode_blob(&metadata, slivers.iter(), ConsistencyCheck::Strict).unwrap();
        assert_eq!(decoded, blob);
        // The files exist now: creating them again is refused.
        assert_eq!(SliverDir::create(&out, &config, symbol_size).unwrap_err().kind(), io::ErrorKind::AlreadyExists);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
