//! The codec: encoding configuration, blob IDs, metadata, slivers, decoding, recovery symbols
//! and inconsistency proofs (SPEC §1–§9).

use std::num::NonZeroU16;

use morsa_core::encoding::StreamOptions;
use morsa_core::encoding::{
    self, mapping, recover_sliver as core_recover_sliver, BothAxesDecoder, GeneralRecoverySymbol,
    InconsistencyProof as CoreInconsistencyProof, RecoveryError, RecoverySymbolSource, Sliver as CoreSliver,
    SliverError,
};
use morsa_core::io::{self, FileSource, SliverDir};
use morsa_core::metadata::{BlobMetadata as CoreBlobMetadata, BlobMetadataWithId, VerifiedBlobMetadataWithId};
use morsa_core::wire::{BcsDecode, BcsEncode};
use morsa_core::{Axis, BlobId, EncodingConfig};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList};

use crate::common::*;

fn recovery_err(py: Python<'_>, e: RecoveryError) -> PyErr {
    let err = py_err(e.clone());
    if let RecoveryError::Inconsistent(proof) = e {
        // The proof travels with the exception (`InconsistentEncodingError.proof`).
        if let Ok(obj) = Bound::new(py, InconsistencyProof(*proof)) {
            let _ = err.value(py).setattr("proof", obj);
        }
    }
    err
}

// ---------------------------------------------------------------------------------------------
// Classes

/// The RS2 encoding parameters for `n_shards` shards (SPEC §1).
#[pyclass(frozen, module = "morsa._native", name = "EncodingConfig")]
struct PyEncodingConfig(EncodingConfig);

#[pymethods]
impl PyEncodingConfig {
    #[new]
    #[pyo3(signature = (n_shards = ShardCount::MAINNET), text_signature = "(n_shards=1000)")]
    fn new(n_shards: ShardCount) -> PyResult<Self> {
        config(n_shards).map(Self)
    }

    #[getter]
    fn n_shards(&self) -> u16 {
        self.0.n_shards()
    }

    #[getter]
    fn max_faulty(&self) -> u16 {
        self.0.max_faulty()
    }

    #[getter]
    fn n_primary_source_symbols(&self) -> u16 {
        self.0.n_primary_source_symbols()
    }

    #[getter]
    fn n_secondary_source_symbols(&self) -> u16 {
        self.0.n_secondary_source_symbols()
    }

    #[getter]
    fn max_blob_size(&self) -> u64 {
        self.0.max_blob_size()
    }

    fn symbol_size(&self, blob_size: u64) -> PyResult<u16> {
        self.0.symbol_size(blob_size).map(NonZeroU16::get).map_err(py_err)
    }

    fn encoded_blob_length(&self, blob_size: u64) -> PyResult<u64> {
        self.0.encoded_blob_length(blob_size).map_err(py_err)
    }

    fn sliver_size(&self, axis: &str, blob_size: u64) -> PyResult<usize> {
        let symbol_size = self.0.symbol_size(blob_size).map_err(py_err)?;
        Ok(self.0.sliver_len(parse_axis(axis)?, symbol_size))
    }

    fn sliver_index(&self, axis: &str, pair_index: u32) -> PyResult<u16> {
        let pair = index_u16(pair_index, "pair index")?;
        self.0
            .sliver_index(parse_axis(axis)?, pair)
            .ok_or_else(|| invalid(format!("pair index {pair_index} is out of range for {} shards", self.0.n_shards())))
    }

    fn pair_index(&self, axis: &str, sliver_index: u32) -> PyResult<u16> {
        let index = index_u16(sliver_index, "sliver index")?;
        self.0.pair_index(parse_axis(axis)?, index).ok_or_else(|| {
            invalid(format!("sliver index {sliver_index} is out of range for {} shards", self.0.n_shards()))
        })
    }

    #[getter]
    fn sliver_upload_limit(&self) -> u64 {
        self.0.sliver_upload_limit()
    }

    #[getter]
    fn metadata_bcs_len(&self) -> usize {
        self.0.metadata_bcs_len()
    }

    fn __repr__(&self) -> String {
        format!(
            "EncodingConfig(n_shards={}, f={}, p={}, s={})",
            self.0.n_shards(),
            self.0.max_faulty(),
            self.0.n_primary_source_symbols(),
            self.0.n_secondary_source_symbols()
        )
    }

    fn __eq__(&self, other: &Self) -> bool {
        self.0 == other.0
    }

    fn __hash__(&self) -> u64 {
        u64::from(self.0.n_shards())
    }
}

/// Verified blob metadata: blob ID, unencoded length and the sliver-pair hashes (SPEC §5).
#[pyclass(frozen, module = "morsa._native", name = "BlobMetadata")]
struct PyBlobMetadata(VerifiedBlobMetadataWithId);

#[pymethods]
impl PyBlobMetadata {
    #[staticmethod]
    #[pyo3(signature = (data, n_shards = None))]
    fn from_bytes(py: Python<'_>, data: &Bound<'_, PyAny>, n_shards: Option<ShardCount>) -> PyResult<Self> {
        let parsed = with_bytes(py, data, |bytes| BlobMetadataWithId::from_bcs(bytes))?.map_err(py_err)?;
        let n = match n_shards {
            Some(n) => n,
            None => ShardCount(u32::try_from(parsed.metadata.hashes.len()).unwrap_or(u32::MAX)),
        };
        let config = config(n)?;
        py.detach(|| parsed.verify(&config)).map(Self).map_err(py_err)
    }

    /// Parses BCS `BlobMetadata` (without the blob ID, as `PUT /metadata` sends it) and
    /// verifies it against `blob_id` for `n_shards` shards.
    #[staticmethod]
    fn from_metadata_bytes(
        py: Python<'_>,
        blob_id: &str,
        data: &Bound<'_, PyAny>,
        n_shards: ShardCount,
    ) -> PyResult<Self> {
        let blob_id = parse_blob_id(blob_id)?;
        let config = config(n_shards)?;
        let metadata = with_bytes(py, data, |bytes| CoreBlobMetadata::from_bcs(bytes))?.map_err(py_err)?;
        py.detach(|| BlobMetadataWithId { blob_id, metadata }.verify(&config)).map(Self).map_err(py_err)
    }

    #[getter]
    fn blob_id(&self) -> String {
        self.0.blob_id().to_string()
    }

    /// The Merkle root over the sliver-pair leaves (SPEC §5.3), as registered on chain.
    #[getter]
    fn root_hash<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.0.metadata().root_hash().bytes())
    }

    #[getter]
    fn blob_id_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, self.0.blob_id().as_bytes())
    }

    #[getter]
    fn unencoded_length(&self) -> u64 {
        self.0.unencoded_length()
    }

    #[getter]
    fn n_shards(&self) -> u16 {
        self.0.config().n_shards()
    }

    #[getter]
    fn symbol_size(&self) -> u16 {
        self.0.symbol_size().get()
    }

    #[getter]
    fn encoding_type(&self) -> String {
        self.0.metadata().encoding_type.to_string()
    }

    #[getter]
    fn config(&self) -> PyEncodingConfig {
        PyEncodingConfig(*self.0.config())
    }

    fn pair_hashes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let items =
            self.0.metadata().hashes.iter().map(|pair| {
                (PyBytes::new(py, &pair.primary_hash.bytes()), PyBytes::new(py, &pair.secondary_hash.bytes()))
            });
        PyList::new(py, items)
    }

    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.0.to_bcs())
    }

    fn metadata_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.0.metadata().to_bcs())
    }

    fn shard_for_pair(&self, pair_index: u32) -> PyResult<u16> {
        let pair = index_u16(pair_index, "pair index")?;
        mapping::shard_index_for_pair(self.0.blob_id(), self.0.config().n_shards(), pair)
            .ok_or_else(|| invalid(format!("pair index {pair_index} is out of range")))
    }

    fn pair_for_shard(&self, shard_index: u32) -> PyResult<u16> {
        let shard = index_u16(shard_index, "shard index")?;
        mapping::pair_index_for_shard(self.0.blob_id(), self.0.config().n_shards(), shard)
            .ok_or_else(|| invalid(format!("shard index {shard_index} is out of range")))
    }

    /// `(first, end, offset)`: the bytes `[start, start + length)` are the data of primary
    /// slivers `first..end` joined, from byte `offset` on (SPEC §3.1).
    fn primary_slivers_for_range(
        &self,
        start: &Bound<'_, PyAny>,
        length: &Bound<'_, PyAny>,
    ) -> PyResult<(u16, u16, usize)> {
        let start = ByteCount::extract_arg(start, "start")?.0;
        let length = ByteCount::extract_arg(length, "length")?.0;
        let range =
            self.0.config().primary_slivers_for_range(self.0.unencoded_length(), start, length).map_err(py_err)?;
        Ok((range.first(), range.end(), range.offset()))
    }

    fn __repr__(&self) -> String {
        format!(
            "BlobMetadata(blob_id='{}', unencoded_length={}, n_shards={}, symbol_size={})",
            self.0.blob_id(),
            self.0.unencoded_length(),
            self.0.config().n_shards(),
            self.0.symbol_size()
        )
    }

    fn __eq__(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

/// A primary or secondary sliver (SPEC §3.3, §6).
#[pyclass(frozen, module = "morsa._native", name = "Sliver")]
struct PySliver(CoreSliver<Vec<u8>>);

/// The bytes of a `Sliver` object, held by reference (frozen, so readable without the GIL).
struct SliverBytes(Py<PySliver>);

impl AsRef<[u8]> for SliverBytes {
    fn as_ref(&self) -> &[u8] {
        self.0.get().0.bytes()
    }
}

#[pymethods]
impl PySliver {
    #[new]
    fn new(axis: &str, index: u32, symbol_size: u32, data: Vec<u8>) -> PyResult<Self> {
        let symbol_size = u16::try_from(symbol_size)
            .ok()
            .and_then(NonZeroU16::new)
            .ok_or_else(|| invalid(format!("symbol_size must be in 1..=65535, not {symbol_size}")))?;
        Ok(Self(CoreSliver { axis: parse_axis(axis)?, index: index_u16(index, "sliver index")?, symbol_size, data }))
    }

    #[staticmethod]
    fn from_bytes(py: Python<'_>, data: &Bound<'_, PyAny>, axis: &str) -> PyResult<Self> {
        let axis = parse_axis(axis)?;
        with_bytes(py, data, |bytes| CoreSliver::<Vec<u8>>::from_bcs(bytes, axis))?.map(Self).map_err(py_err)
    }

    #[getter]
    fn axis(&self) -> &'static str {
        self.0.axis.as_str()
    }

    #[getter]
    fn index(&self) -> u16 {
        self.0.index
    }

    #[getter]
    fn symbol_size(&self) -> u16 {
        self.0.symbol_size.get()
    }

    #[getter]
    fn data<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.0.data)
    }

    fn pair_index(&self, n_shards: ShardCount) -> PyResult<u16> {
        let config = config(n_shards)?;
        self.0
            .pair_index(&config)
            .ok_or_else(|| py_err(SliverError::IndexOutOfRange { index: self.0.index, n_shards: config.n_shards() }))
    }

    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.0.to_bcs())
    }

    fn verify(&self, py: Python<'_>, metadata: &PyBlobMetadata) -> PyResult<()> {
        py.detach(|| self.0.verify(&metadata.0)).map_err(py_err)
    }

    fn recovery_symbols(
        &self,
        py: Python<'_>,
        target_indices: Vec<u32>,
        n_shards: ShardCount,
    ) -> PyResult<Vec<PyRecoverySymbol>> {
        let config = config(n_shards)?;
        let targets = target_indices.into_iter().map(|t| index_u16(t, "target index")).collect::<PyResult<Vec<_>>>()?;
        let symbols = py.detach(|| -> Result<Vec<Option<GeneralRecoverySymbol<Vec<u8>>>>, SliverError> {
            let source = RecoverySymbolSource::new(&config, &self.0)?;
            Ok(targets.iter().map(|t| source.general_recovery_symbol(*t)).collect())
        });
        symbols
            .map_err(py_err)?
            .into_iter()
            .map(|s| s.map(PyRecoverySymbol).ok_or_else(|| invalid("target index is out of range")))
            .collect()
    }

    fn __repr__(&self) -> String {
        format!(
            "Sliver(axis='{}', index={}, symbol_size={}, size={})",
            self.0.axis,
            self.0.index,
            self.0.symbol_size,
            self.0.data.len()
        )
    }

    fn __eq__(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

/// A recovery symbol with its Merkle proof (SPEC §8, the REST `GeneralRecoverySymbol`).
#[pyclass(frozen, module = "morsa._native", name = "RecoverySymbol")]
struct PyRecoverySymbol(GeneralRecoverySymbol<Vec<u8>>);

#[pymethods]
impl PyRecoverySymbol {
    #[staticmethod]
    fn from_bytes(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<Self> {
        with_bytes(py, data, |bytes| GeneralRecoverySymbol::<Vec<u8>>::from_bcs(bytes))?.map(Self).map_err(py_err)
    }

    #[getter]
    fn target_axis(&self) -> &'static str {
        self.0.target_axis.as_str()
    }

    #[getter]
    fn target_index(&self) -> u16 {
        self.0.target_index
    }

    #[getter]
    fn source_index(&self) -> u16 {
        self.0.symbol.index
    }

    #[getter]
    fn data<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.0.symbol.data)
    }

    #[getter]
    fn symbol_id(&self) -> (u16, u16) {
        self.0.symbol_id()
    }

    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.0.to_bcs())
    }

    fn verify(&self, metadata: &PyBlobMetadata) -> PyResult<()> {
        let symbol = encoding::RecoverySymbol { symbol: self.0.symbol.clone(), proof: self.0.proof.clone() };
        metadata.0.verify_recovery_symbol(&symbol, self.0.target_axis, self.0.target_index).map_err(py_err)
    }

    fn __repr__(&self) -> String {
        let (row, col) = self.0.symbol_id();
        format!(
            "RecoverySymbol(target_axis='{}', target_index={}, source_index={}, symbol_id='{row}-{col}')",
            self.0.target_axis, self.0.target_index, self.0.symbol.index
        )
    }
}

/// Proof that a blob was encoded inconsistently (SPEC §9).
#[pyclass(frozen, module = "morsa._native", name = "InconsistencyProof")]
struct InconsistencyProof(CoreInconsistencyProof<Vec<u8>>);

#[pymethods]
impl InconsistencyProof {
    #[staticmethod]
    #[pyo3(signature = (data, axis = None))]
    fn from_bytes(py: Python<'_>, data: &Bound<'_, PyAny>, axis: Option<&str>) -> PyResult<Self> {
        let axis = axis.map(parse_axis).transpose()?;
        with_bytes(py, data, |bytes| match axis {
            Some(axis) => CoreInconsistencyProof::<Vec<u8>>::from_bcs(bytes, axis),
            None => CoreInconsistencyProof::<Vec<u8>>::from_bcs_tagged(bytes),
        })?
        .map(Self)
        .map_err(py_err)
    }

    #[getter]
    fn target_axis(&self) -> &'static str {
        self.0.target_axis.as_str()
    }

    #[getter]
    fn target_index(&self) -> u16 {
        self.0.target_sliver_index
    }

    #[getter]
    fn n_symbols(&self) -> usize {
        self.0.recovery_symbols.len()
    }

    #[pyo3(signature = (tagged = false))]
    fn to_bytes<'py>(&self, py: Python<'py>, tagged: bool) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &if tagged { self.0.to_bcs_tagged() } else { self.0.to_bcs() })
    }

    fn verify(&self, py: Python<'_>, metadata: &PyBlobMetadata) -> PyResult<()> {
        py.detach(|| self.0.verify(&metadata.0)).map_err(py_err)
    }

    fn __repr__(&self) -> String {
        format!(
            "InconsistencyProof(target_axis='{}', target_index={}, n_symbols={})",
            self.0.target_axis,
            self.0.target_sliver_index,
            self.0.recovery_symbols.len()
        )
    }
}

/// A fully encoded blob: metadata and all 2n slivers (SPEC §3).
#[pyclass(frozen, module = "morsa._native", name = "EncodedBlob")]
struct PyEncodedBlob(encoding::EncodedBlob);

#[pymethods]
impl PyEncodedBlob {
    #[getter]
    fn blob_id(&self) -> String {
        self.0.blob_id().to_string()
    }

    #[getter]
    fn metadata(&self) -> PyBlobMetadata {
        PyBlobMetadata(self.0.metadata().clone())
    }

    #[getter]
    fn symbol_size(&self) -> u16 {
        self.0.symbol_size().get()
    }

    #[getter]
    fn n_shards(&self) -> u16 {
        self.0.metadata().config().n_shards()
    }

    fn sliver(&self, axis: &str, index: u32) -> PyResult<PySliver> {
        let axis = parse_axis(axis)?;
        self.0
            .sliver(axis, index_u16(index, "sliver index")?)
            .map(|s| PySliver(s.to_owned_sliver()))
            .ok_or_else(|| invalid(format!("sliver index {index} is out of range")))
    }

    #[getter]
    fn primary_slivers(&self) -> Vec<PySliver> {
        self.0.slivers(Axis::Primary).map(|s| PySliver(s.to_owned_sliver())).collect()
    }

    #[getter]
    fn secondary_slivers(&self) -> Vec<PySliver> {
        self.0.slivers(Axis::Secondary).map(|s| PySliver(s.to_owned_sliver())).collect()
    }

    fn sliver_pair(&self, pair_index: u32) -> PyResult<(PySliver, PySliver)> {
        let (p, s) = self
            .0
            .sliver_pair(index_u16(pair_index, "pair index")?)
            .ok_or_else(|| invalid(format!("pair index {pair_index} is out of range")))?;
        Ok((PySliver(p.to_owned_sliver()), PySliver(s.to_owned_sliver())))
    }

    fn __repr__(&self) -> String {
        format!(
            "EncodedBlob(blob_id='{}', n_shards={}, symbol_size={})",
            self.0.blob_id(),
            self.0.metadata().config().n_shards(),
            self.0.symbol_size()
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Functions

/// The metadata (and blob ID) of a bytes-like object.
#[pyfunction]
#[pyo3(signature = (data, n_shards = ShardCount::MAINNET, progress = None), text_signature = "(data, n_shards=1000, progress=None)")]
fn compute_metadata(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    n_shards: ShardCount,
    progress: Option<Py<PyAny>>,
) -> PyResult<PyBlobMetadata> {
    let config = config(n_shards)?;
    let progress = Progress::new(progress.as_ref());
    // The streaming computation over the buffer: parallel, and without the p·f·S repair copy.
    let result = with_bytes(py, data, |bytes| {
        config.compute_metadata_streaming(
            bytes,
            StreamOptions::default().progress(&mut |done, total| progress.report(done, total)),
        )
    })?;
    progress.finish()?;
    match result {
        Ok(m) => Ok(PyBlobMetadata(m)),
        Err(encoding::StreamError::Encode(e)) => Err(py_err(e)),
        Err(encoding::StreamError::Source(e)) => match e {},
    }
}

/// The metadata (and blob ID) of the file at `path`, streamed in memory independent of the
/// file size (`budget` bytes of stripe buffers plus `n² · 72` bytes of hash states; about
/// 220 MiB in all for 1000 shards).
#[pyfunction]
#[pyo3(signature = (path, n_shards = ShardCount::MAINNET, progress = None, budget = encoding::DEFAULT_STREAM_BUDGET), text_signature = "(path, n_shards=1000, progress=None, budget=134217728)")]
fn compute_metadata_file(
    py: Python<'_>,
    path: std::path::PathBuf,
    n_shards: ShardCount,
    progress: Option<Py<PyAny>>,
    budget: usize,
) -> PyResult<PyBlobMetadata> {
    let config = config(n_shards)?;
    let source = FileSource::open(&path)?;
    let progress = Progress::new(progress.as_ref());
    let result = py.detach(|| {
        config.compute_metadata_streaming(
            &source,
            StreamOptions::default().budget(budget).progress(&mut |done, total| progress.report(done, total)),
        )
    });
    progress.finish()?;
    match result {
        Ok(m) => Ok(PyBlobMetadata(m)),
        Err(encoding::StreamError::Encode(e)) => Err(py_err(e)),
        Err(encoding::StreamError::Source(e)) => Err(e.into()),
    }
}

/// The file name of sliver `index` of `axis` in an encoding directory (`primary-{i}.bcs`,
/// `secondary-{i}.bcs`; `morsa_core::io`).
#[pyfunction]
fn sliver_file_name(axis: &str, index: u32) -> PyResult<String> {
    Ok(io::sliver_file_name(parse_axis(axis)?, index_u16(index, "sliver index")?))
}

/// The axis and index of a sliver file's name, or `None` for any other name.
#[pyfunction]
fn parse_sliver_file_name(name: &str) -> Option<(&'static str, u16)> {
    io::parse_sliver_file_name(name).map(|(axis, index)| (axis.as_str(), index))
}

/// Encodes `source` into its `2n` sliver files, created in `directory` (SPEC §3, §6): the one
/// code path of [`encode_file_to_dir`] and [`encode_to_dir`]. Call it with the GIL released.
fn encode_source_to_dir<S>(
    config: &EncodingConfig,
    source: &S,
    directory: &std::path::Path,
    budget: usize,
    progress: &Progress<'_>,
) -> PyResult<VerifiedBlobMetadataWithId>
where
    S: encoding::BlobSource + ?Sized,
    S::Error: Into<PyErr>,
{
    // The size is checked before any file is created.
    let symbol_size = config.symbol_size(source.len()).map_err(py_err)?;
    let store = SliverDir::create(directory, config, symbol_size)?;
    config
        .encode_streaming(
            source,
            &store,
            StreamOptions::default().budget(budget).progress(&mut |done, total| progress.report(done, total)),
        )
        .map_err(|e| match e {
            encoding::EncodeStreamError::Encode(e) => py_err(e),
            encoding::EncodeStreamError::Source(e) => e.into(),
            encoding::EncodeStreamError::Store(e) => e.into(),
        })
}

/// Encodes the file at `path` into its `2n` sliver files in `directory` (`primary-{i}.bcs`,
/// `secondary-{i}.bcs`; none may exist yet) and returns the metadata, in memory independent of
/// the file size (`budget` bytes of row or column batches plus `n² · 32` bytes of hashes).
/// On error, files already created stay: write into a fresh staging directory.
#[pyfunction]
#[pyo3(signature = (path, directory, n_shards = ShardCount::MAINNET, progress = None, budget = encoding::DEFAULT_STREAM_BUDGET), text_signature = "(path, directory, n_shards=1000, progress=None, budget=134217728)")]
fn encode_file_to_dir(
    py: Python<'_>,
    path: std::path::PathBuf,
    directory: std::path::PathBuf,
    n_shards: ShardCount,
    progress: Option<Py<PyAny>>,
    budget: usize,
) -> PyResult<PyBlobMetadata> {
    let config = config(n_shards)?;
    let source = FileSource::open(&path)?;
    let progress = Progress::new(progress.as_ref());
    let result = py.detach(|| encode_source_to_dir(&config, &source, &directory, budget, &progress));
    progress.finish()?;
    result.map(PyBlobMetadata)
}

/// Encodes a bytes-like object into its `2n` sliver files in `directory`, as
/// [`encode_file_to_dir`] does for a file (the same encoder and files; memory beyond the input
/// is the same bounded batches).
#[pyfunction]
#[pyo3(signature = (data, directory, n_shards = ShardCount::MAINNET, progress = None, budget = encoding::DEFAULT_STREAM_BUDGET), text_signature = "(data, directory, n_shards=1000, progress=None, budget=134217728)")]
fn encode_to_dir(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    directory: std::path::PathBuf,
    n_shards: ShardCount,
    progress: Option<Py<PyAny>>,
    budget: usize,
) -> PyResult<PyBlobMetadata> {
    let config = config(n_shards)?;
    let progress = Progress::new(progress.as_ref());
    let result = with_bytes(py, data, |bytes| encode_source_to_dir(&config, bytes, &directory, budget, &progress))?;
    progress.finish()?;
    result.map(PyBlobMetadata)
}

/// The blob ID (base64url) of a bytes-like object.
#[pyfunction]
#[pyo3(signature = (data, n_shards = ShardCount::MAINNET, progress = None), text_signature = "(data, n_shards=1000, progress=None)")]
fn blob_id(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    n_shards: ShardCount,
    progress: Option<Py<PyAny>>,
) -> PyResult<String> {
    compute_metadata(py, data, n_shards, progress).map(|m| m.0.blob_id().to_string())
}

/// Encodes a bytes-like object into metadata and all slivers.
#[pyfunction]
#[pyo3(signature = (data, n_shards = ShardCount::MAINNET, progress = None), text_signature = "(data, n_shards=1000, progress=None)")]
fn encode(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    n_shards: ShardCount,
    progress: Option<Py<PyAny>>,
) -> PyResult<PyEncodedBlob> {
    let config = config(n_shards)?;
    let progress = Progress::new(progress.as_ref());
    let result = with_bytes(py, data, |bytes| {
        config.encode_with(bytes, StreamOptions::default().progress(&mut |done, total| progress.report(done, total)))
    })?;
    progress.finish()?;
    result.map(PyEncodedBlob).map_err(py_err)
}

/// Decodes a blob from an iterable of slivers: each is verified, invalid ones are skipped (and
/// reported to `on_invalid(sliver, reason)` when given), and iteration stops as soon as `p`
/// valid primary slivers are held.
#[pyfunction]
#[pyo3(signature = (metadata, slivers, consistency_check = "default", on_invalid = None))]
fn decode<'py>(
    py: Python<'py>,
    metadata: &PyBlobMetadata,
    slivers: &Bound<'py, PyAny>,
    consistency_check: &str,
    on_invalid: Option<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyBytes>> {
    let check = parse_check(consistency_check)?;
    // The decoder holds references to the Sliver objects rather than copies of their bytes; it
    // also holds the rule choosing the axis to decode from (SPEC §7).
    let mut decoder = BothAxesDecoder::keeping(&metadata.0);
    let mut items = slivers.try_iter()?;
    // Slivers are verified in batches (in parallel, without the GIL), sized to what the
    // primary decoder still needs so that valid input is not verified needlessly.
    while !decoder.is_done() {
        let want = usize::from(decoder.primary_missing()).clamp(1, 1024);
        let mut batch = Vec::with_capacity(want);
        for item in items.by_ref().take(want) {
            let item = item?;
            let sliver = item
                .cast_into::<PySliver>()
                .map_err(|_| PyTypeError::new_err("slivers must be morsa.Sliver objects"))?;
            batch.push(sliver);
        }
        if batch.is_empty() {
            break;
        }
        let by_reference: Vec<CoreSliver<SliverBytes>> = batch
            .iter()
            .map(|b| {
                let core = &b.get().0;
                let data = SliverBytes(b.clone().unbind());
                CoreSliver { axis: core.axis, index: core.index, symbol_size: core.symbol_size, data }
            })
            .collect();
        let results = py.detach(|| decoder.add_slivers_owned(by_reference));
        // Invalid slivers are skipped: only the count of valid ones matters.
        if let Some(callback) = &on_invalid {
            for (sliver, result) in batch.iter().zip(results) {
                if let Err(e) = result {
                    callback.call1((sliver, e.to_string()))?;
                }
            }
        }
    }
    // Decoded straight into the bytes object: no second copy of the blob.
    let len = usize::try_from(metadata.0.unencoded_length()).map_err(|_| invalid("the blob does not fit in memory"))?;
    if !decoder.chosen().is_ready() {
        return Err(py_err(decoder.decode_into(check, &mut []).err().unwrap_or(encoding::DecodeError::ReedSolomon)));
    }
    PyBytes::new_with(py, len, |buf| py.detach(|| decoder.decode_into(check, buf)).map_err(py_err))
}

/// Recovers a sliver from recovery symbols; raises InconsistentEncodingError (with a `proof`
/// attribute) when the blob is inconsistently encoded.
#[pyfunction]
fn recover_sliver(
    py: Python<'_>,
    metadata: &PyBlobMetadata,
    target_axis: &str,
    target_index: u32,
    symbols: Vec<PyRef<'_, PyRecoverySymbol>>,
) -> PyResult<PySliver> {
    let axis = parse_axis(target_axis)?;
    let target = index_u16(target_index, "target index")?;
    let symbols: Vec<encoding::RecoverySymbol<&[u8]>> = symbols
        .iter()
        .filter(|s| s.0.target_axis == axis && s.0.target_index == target)
        .map(|s| encoding::RecoverySymbol {
            symbol: encoding::DecodingSymbol { index: s.0.symbol.index, data: s.0.symbol.data.as_slice() },
            proof: s.0.proof.clone(),
        })
        .collect();
    py.detach(|| core_recover_sliver(&metadata.0, axis, target, symbols)).map(PySliver).map_err(|e| recovery_err(py, e))
}

/// The blob ID of a blob of `size` bytes whose sliver-pair Merkle root is `root_hash`
/// (SPEC §5.3; what the chain re-derives at registration).
#[pyfunction]
fn derive_blob_id(root_hash: &[u8], size: u64) -> PyResult<String> {
    let root: [u8; 32] =
        root_hash.try_into().map_err(|_| invalid(format!("a root hash is 32 bytes, got {}", root_hash.len())))?;
    Ok(BlobId::from_root(morsa_core::EncodingType::RS2, size, &morsa_core::Node::Digest(root)).to_string())
}

/// Encodes recovery symbols as BCS `Vec<GeneralRecoverySymbol>` (the body of
/// `GET /recoverySymbols`, SPEC §11).
#[pyfunction]
fn encode_recovery_symbols<'py>(py: Python<'py>, symbols: Vec<PyRef<'py, PyRecoverySymbol>>) -> Bound<'py, PyBytes> {
    let symbols: Vec<GeneralRecoverySymbol<Vec<u8>>> = symbols.iter().map(|s| s.0.clone()).collect();
    PyBytes::new(py, &morsa_core::wire::general_recovery_symbols_to_bcs(&symbols))
}

/// Encodes the body of `GET /decodingSymbols` (SPEC §11): for each target sliver index, the
/// symbols (without their proofs) as `EitherDecodingSymbol`s, keys in BCS order.
#[pyfunction]
fn encode_decoding_symbols<'py>(
    py: Python<'py>,
    entries: Vec<(u16, Vec<PyRef<'py, PyRecoverySymbol>>)>,
) -> Bound<'py, PyBytes> {
    let entries: Vec<morsa_core::wire::DecodingSymbolsEntry<Vec<u8>>> = entries
        .iter()
        .map(|(key, symbols)| (*key, symbols.iter().map(|s| (s.0.target_axis, s.0.symbol.clone())).collect()))
        .collect();
    PyBytes::new(py, &morsa_core::wire::decoding_symbols_map_to_bcs(&entries))
}

/// Decodes the body of `GET /decodingSymbols` (SPEC §11) into
/// `[(target_index, [(target_axis, source_index, data)])]`.
#[pyfunction]
#[allow(clippy::type_complexity)]
fn decode_decoding_symbols(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
) -> PyResult<Vec<(u16, Vec<(&'static str, u16, Vec<u8>)>)>> {
    let entries = with_bytes(py, data, |bytes| morsa_core::wire::decoding_symbols_map_from_bcs::<Vec<u8>>(bytes))?
        .map_err(py_err)?;
    Ok(entries
        .into_iter()
        .map(|(key, symbols)| (key, symbols.into_iter().map(|(axis, s)| (axis.as_str(), s.index, s.data)).collect()))
        .collect())
}

/// Decodes BCS `Vec<GeneralRecoverySymbol>` (SPEC §11).
#[pyfunction]
fn decode_recovery_symbols(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<Vec<PyRecoverySymbol>> {
    with_bytes(py, data, |bytes| morsa_core::wire::general_recovery_symbols_from_bcs::<Vec<u8>>(bytes))?
        .map(|v| v.into_iter().map(PyRecoverySymbol).collect())
        .map_err(py_err)
}

/// Encodes slivers as BCS `Vec<Sliver>` (each `ByAxis`-tagged; the batched upload body).
#[pyfunction]
fn encode_slivers<'py>(py: Python<'py>, slivers: Vec<PyRef<'py, PySliver>>) -> Bound<'py, PyBytes> {
    let refs: Vec<&CoreSliver<Vec<u8>>> = slivers.iter().map(|s| &s.0).collect();
    PyBytes::new(py, &morsa_core::wire::slivers_to_bcs(&refs))
}

/// Decodes BCS `Vec<Sliver>` into `Sliver` objects (parsed, not verified).
#[pyfunction]
fn decode_slivers(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<Vec<PySliver>> {
    with_bytes(py, data, |bytes| morsa_core::wire::slivers_from_bcs::<Vec<u8>>(bytes))?
        .map(|v| v.into_iter().map(PySliver).collect())
        .map_err(py_err)
}

/// Verifies slivers against `metadata` in parallel (GIL released); for each, `None` or the
/// reason it is invalid.
#[pyfunction]
fn verify_slivers(py: Python<'_>, metadata: &PyBlobMetadata, slivers: Vec<Py<PySliver>>) -> Vec<Option<String>> {
    let refs: Vec<&CoreSliver<Vec<u8>>> = slivers.iter().map(|s| &s.get().0).collect();
    py.detach(|| encoding::verify_slivers(&metadata.0, &refs))
        .into_iter()
        .map(|result| result.err().map(|e| e.to_string()))
        .collect()
}

/// Whether a blob ID text is valid (43 characters of base64url without padding).
#[pyfunction]
fn parse_blob_id_bytes<'py>(py: Python<'py>, blob_id: &str) -> PyResult<Bound<'py, PyBytes>> {
    Ok(PyBytes::new(py, parse_blob_id(blob_id)?.as_bytes()))
}

/// The blob ID whose Move `u256` value is `value` (an int, decimal digits or `0x` hex; SPEC
/// §5.4: the bytes are the u256 little-endian).
#[pyfunction]
fn blob_id_from_u256(value: &Bound<'_, PyAny>) -> PyResult<String> {
    let text: String =
        if value.is_instance_of::<pyo3::types::PyInt>() { value.str()?.to_string() } else { value.extract()? };
    BlobId::from_u256_text(&text)
        .map(|id| id.to_string())
        .map_err(|e| crate::common::py_err_in(&format!("{text:?}"), e))
}

/// The Move `u256` value of a blob ID (its bytes little-endian, SPEC §5.4), as an int.
#[pyfunction]
fn blob_id_to_u256<'py>(py: Python<'py>, blob_id: &str) -> PyResult<Bound<'py, PyAny>> {
    let decimal = parse_blob_id(blob_id)?.u256_decimal().to_string();
    py.get_type::<pyo3::types::PyInt>().call1((decimal,))
}

/// The text form of a 32-byte blob ID.
#[pyfunction]
fn blob_id_from_bytes(data: &[u8]) -> PyResult<String> {
    let bytes: [u8; 32] = data.try_into().map_err(|_| {
        kind_err(morsa_core::error::ErrorKind::InvalidBlobId, format!("a blob ID is 32 bytes, got {}", data.len()))
    })?;
    Ok(BlobId(bytes).to_string())
}

/// The shard that stores sliver pair `pair_index` of `blob_id` (SPEC §4.2).
#[pyfunction]
fn shard_index_for_pair(blob_id: &str, n_shards: ShardCount, pair_index: u32) -> PyResult<u16> {
    let config = config(n_shards)?;
    mapping::shard_index_for_pair(&parse_blob_id(blob_id)?, config.n_shards(), index_u16(pair_index, "pair index")?)
        .ok_or_else(|| invalid(format!("pair index {pair_index} is out of range")))
}

/// The sliver pair stored on shard `shard_index` for `blob_id` (SPEC §4.2).
#[pyfunction]
fn pair_index_for_shard(blob_id: &str, n_shards: ShardCount, shard_index: u32) -> PyResult<u16> {
    let config = config(n_shards)?;
    mapping::pair_index_for_shard(&parse_blob_id(blob_id)?, config.n_shards(), index_u16(shard_index, "shard index")?)
        .ok_or_else(|| invalid(format!("shard index {shard_index} is out of range")))
}

/// Adds the codec classes and functions to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyEncodingConfig>()?;
    m.add_class::<PyBlobMetadata>()?;
    m.add_class::<PySliver>()?;
    m.add_class::<PyRecoverySymbol>()?;
    m.add_class::<InconsistencyProof>()?;
    m.add_class::<PyEncodedBlob>()?;
    m.add_function(wrap_pyfunction!(compute_metadata, m)?)?;
    m.add_function(wrap_pyfunction!(compute_metadata_file, m)?)?;
    m.add_function(wrap_pyfunction!(blob_id, m)?)?;
    m.add_function(wrap_pyfunction!(encode, m)?)?;
    m.add_function(wrap_pyfunction!(encode_file_to_dir, m)?)?;
    m.add_function(wrap_pyfunction!(encode_to_dir, m)?)?;
    m.add("METADATA_FILE", io::METADATA_FILE)?;
    m.add_function(wrap_pyfunction!(sliver_file_name, m)?)?;
    m.add_function(wrap_pyfunction!(parse_sliver_file_name, m)?)?;
    m.add_function(wrap_pyfunction!(decode, m)?)?;
    m.add_function(wrap_pyfunction!(recover_sliver, m)?)?;
    m.add_function(wrap_pyfunction!(parse_blob_id_bytes, m)?)?;
    m.add_function(wrap_pyfunction!(derive_blob_id, m)?)?;
    m.add_function(wrap_pyfunction!(encode_recovery_symbols, m)?)?;
    m.add_function(wrap_pyfunction!(decode_recovery_symbols, m)?)?;
    m.add_function(wrap_pyfunction!(encode_slivers, m)?)?;
    m.add_function(wrap_pyfunction!(decode_slivers, m)?)?;
    m.add_function(wrap_pyfunction!(verify_slivers, m)?)?;
    m.add_function(wrap_pyfunction!(encode_decoding_symbols, m)?)?;
    m.add_function(wrap_pyfunction!(decode_decoding_symbols, m)?)?;
    m.add_function(wrap_pyfunction!(blob_id_from_bytes, m)?)?;
    m.add_function(wrap_pyfunction!(blob_id_from_u256, m)?)?;
    m.add_function(wrap_pyfunction!(blob_id_to_u256, m)?)?;
    m.add_function(wrap_pyfunction!(shard_index_for_pair, m)?)?;
    m.add_function(wrap_pyfunction!(pair_index_for_shard, m)?)?;
    m.add("MAINNET_N_SHARDS", encoding::MAINNET_N_SHARDS)?;
    m.add("MIN_SHARDS", encoding::MIN_SHARDS)?;
    m.add("MAX_SHARDS", encoding::MAX_SHARDS)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
