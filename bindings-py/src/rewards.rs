//! The reward math (REWARDS.md) over Python ints.

use pyo3::prelude::*;

/// Adds the reward functions to the module.
pub(crate) fn register(_m: &Bound<'_, PyModule>) -> PyResult<()> {
    Ok(())
}
