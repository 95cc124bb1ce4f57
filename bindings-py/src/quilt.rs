//! Quilts (SPEC §13): building, index and patch parsing, quilt patch IDs.

use std::collections::BTreeMap;

use morsa_core::quilt::{
    self, QuiltEntry, QuiltError as CoreQuiltError, QuiltLayout, QuiltPatch as CorePatch, QuiltPatchId,
};
use morsa_core::BlobId;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::common::*;

/// One patch of a quilt index (SPEC §13).
#[pyclass(frozen, get_all, module = "morsa._native", name = "QuiltPatch")]
#[derive(Clone)]
struct PyQuiltPatch {
    identifier: String,
    tags: BTreeMap<String, String>,
    start_index: u16,
    end_index: u16,
}

impl From<&CorePatch> for PyQuiltPatch {
    fn from(p: &CorePatch) -> Self {
        Self {
            identifier: p.identifier.clone(),
            tags: p.tags.clone(),
            start_index: p.start_index,
            end_index: p.end_index,
        }
    }
}

#[pymethods]
impl PyQuiltPatch {
    /// The quilt patch ID of this patch in the quilt `quilt_id`.
    fn patch_id(&self, quilt_id: &str) -> PyResult<String> {
        Ok(QuiltPatchId {
            quilt_id: parse_blob_id(quilt_id)?,
            start_index: self.start_index,
            end_index: self.end_index,
        }
        .to_string())
    }

    fn __repr__(&self) -> String {
        format!(
            "QuiltPatch(identifier={:?}, tags={:?}, start_index={}, end_index={})",
            self.identifier, self.tags, self.start_index, self.end_index
        )
    }

    fn __eq__(&self, other: &Self) -> bool {
        (&self.identifier, &self.tags, self.start_index, self.end_index)
            == (&other.identifier, &other.tags, other.start_index, other.end_index)
    }
}

/// A built quilt: the blob to store, its blob ID, symbol size and index.
#[pyclass(frozen, module = "morsa._native", name = "Quilt")]
struct PyQuilt {
    blob: Py<PyBytes>,
    #[pyo3(get)]
    blob_id: String,
    #[pyo3(get)]
    n_shards: u16,
    #[pyo3(get)]
    symbol_size: u16,
    patches: Vec<PyQuiltPatch>,
}

#[pymethods]
impl PyQuilt {
    #[getter]
    fn blob(&self, py: Python<'_>) -> Py<PyBytes> {
        self.blob.clone_ref(py)
    }

    #[getter]
    fn patches(&self) -> Vec<PyQuiltPatch> {
        self.patches.clone()
    }

    /// `{identifier: quilt patch ID}` for every patch.
    fn patch_ids(&self) -> PyResult<BTreeMap<String, String>> {
        self.patches.iter().map(|p| Ok((p.identifier.clone(), p.patch_id(&self.blob_id)?))).collect()
    }

    fn __repr__(&self) -> String {
        format!("Quilt(blob_id={:?}, patches={}, symbol_size={})", self.blob_id, self.patches.len(), self.symbol_size)
    }
}

/// Builds a quilt from `(identifier, tags, data)` entries for `n_shards` shards (SPEC §13).
#[pyfunction]
#[pyo3(signature = (entries, n_shards = ShardCount::MAINNET), text_signature = "(entries, n_shards=1000)")]
fn build_quilt(
    py: Python<'_>,
    entries: Vec<(String, BTreeMap<String, String>, Vec<u8>)>,
    n_shards: ShardCount,
) -> PyResult<PyQuilt> {
    let config = config(n_shards)?;
    let (blob, blob_id, symbol_size, patches) = py.detach(|| {
        let refs: Vec<QuiltEntry<'_>> =
            entries.iter().map(|(id, tags, data)| QuiltEntry { identifier: id, tags, data }).collect();
        let built = quilt::build_quilt(&config, &refs).map_err(py_err)?;
        let blob_id = config.blob_id(built.blob()).map_err(py_err)?;
        let patches: Vec<PyQuiltPatch> = built.index().patches.iter().map(PyQuiltPatch::from).collect();
        let symbol_size = built.layout().symbol_size;
        Ok::<_, PyErr>((built.into_blob(), blob_id, symbol_size, patches))
    })?;
    Ok(PyQuilt {
        blob: PyBytes::new(py, &blob).unbind(),
        blob_id: blob_id.to_string(),
        n_shards: config.n_shards(),
        symbol_size,
        patches,
    })
}

fn layout(n_shards: ShardCount, symbol_size: u16) -> PyResult<QuiltLayout> {
    Ok(QuiltLayout::new(&config(n_shards)?, symbol_size))
}

/// The number of index columns, from the first bytes of secondary sliver 0 (SPEC §13).
#[pyfunction]
fn quilt_index_columns(column0: &[u8], n_shards: ShardCount, symbol_size: u16) -> PyResult<u16> {
    quilt::index_columns(column0, &layout(n_shards, symbol_size)?).map_err(py_err)
}

/// The index of a quilt from its first secondary slivers' data, concatenated (SPEC §13).
#[pyfunction]
fn parse_quilt_index(columns: &[u8], n_shards: ShardCount, symbol_size: u16) -> PyResult<Vec<PyQuiltPatch>> {
    let index = quilt::parse_index(columns, &layout(n_shards, symbol_size)?).map_err(py_err)?;
    Ok(index.patches.iter().map(PyQuiltPatch::from).collect())
}

/// `(identifier, tags, data)` of a patch from its secondary slivers' data, concatenated.
#[pyfunction]
fn parse_quilt_patch<'py>(
    py: Python<'py>,
    columns: &[u8],
) -> PyResult<(String, BTreeMap<String, String>, Bound<'py, PyBytes>)> {
    let p = quilt::parse_patch(columns).map_err(py_err)?;
    Ok((p.identifier, p.tags, PyBytes::new(py, p.data)))
}

/// The index of a whole quilt blob (for `n_shards` shards).
#[pyfunction]
fn quilt_index_from_blob(blob: &[u8], n_shards: ShardCount) -> PyResult<Vec<PyQuiltPatch>> {
    let config = config(n_shards)?;
    let symbol_size = config.symbol_size(blob.len() as u64).map_err(py_err)?.get();
    let index = quilt::parse_index_from_blob(blob, &QuiltLayout::new(&config, symbol_size)).map_err(py_err)?;
    Ok(index.patches.iter().map(PyQuiltPatch::from).collect())
}

/// `(identifier, tags, data)` of the patch in columns `start_index..end_index` of a whole
/// quilt blob.
#[pyfunction]
fn quilt_patch_from_blob<'py>(
    py: Python<'py>,
    blob: &[u8],
    n_shards: ShardCount,
    start_index: u16,
    end_index: u16,
) -> PyResult<(String, BTreeMap<String, String>, Bound<'py, PyBytes>)> {
    let config = config(n_shards)?;
    let symbol_size = config.symbol_size(blob.len() as u64).map_err(py_err)?.get();
    let columns = QuiltLayout::new(&config, symbol_size).columns(blob, start_index, end_index).map_err(py_err)?;
    parse_quilt_patch(py, &columns)
}

/// `(quilt_id, start_index, end_index)` of a quilt patch ID (SPEC §13).
#[pyfunction]
fn parse_quilt_patch_id(text: &str) -> PyResult<(String, u16, u16)> {
    let id: QuiltPatchId = text.parse().map_err(|e: CoreQuiltError| py_err_in(&format!("{text:?}"), e))?;
    Ok((id.quilt_id.to_string(), id.start_index, id.end_index))
}

/// The quilt patch ID text of columns `start_index..end_index` of the quilt `quilt_id`.
#[pyfunction]
fn quilt_patch_id(quilt_id: &str, start_index: u16, end_index: u16) -> PyResult<String> {
    let quilt_id: BlobId = parse_blob_id(quilt_id)?;
    Ok(QuiltPatchId { quilt_id, start_index, end_index }.to_string())
}

/// Raises `QuiltError` unless `identifier` is a valid quilt identifier (SPEC §13).
#[pyfunction]
fn validate_quilt_identifier(identifier: &str) -> PyResult<()> {
    quilt::validate_identifier(identifier).map_err(py_err)
}

/// Adds the quilt classes and functions to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyQuiltPatch>()?;
    m.add_class::<PyQuilt>()?;
    m.add_function(wrap_pyfunction!(build_quilt, m)?)?;
    m.add_function(wrap_pyfunction!(quilt_index_columns, m)?)?;
    m.add_function(wrap_pyfunction!(parse_quilt_index, m)?)?;
    m.add_function(wrap_pyfunction!(parse_quilt_patch, m)?)?;
    m.add_function(wrap_pyfunction!(quilt_index_from_blob, m)?)?;
    m.add_function(wrap_pyfunction!(quilt_patch_from_blob, m)?)?;
    m.add_function(wrap_pyfunction!(parse_quilt_patch_id, m)?)?;
    m.add_function(wrap_pyfunction!(quilt_patch_id, m)?)?;
    m.add_function(wrap_pyfunction!(validate_quilt_identifier, m)?)?;
    m.add("MAX_QUILT_INDEX_COLUMNS", quilt::MAX_INDEX_COLUMNS)?;
    Ok(())
}
