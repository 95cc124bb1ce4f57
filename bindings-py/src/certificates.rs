//! Protocol messages, Ed25519 keys, committees and certificates (SPEC §10).

use pyo3::prelude::*;

/// Adds the certificate classes and functions to the module.
pub(crate) fn register(_m: &Bound<'_, PyModule>) -> PyResult<()> {
    Ok(())
}
