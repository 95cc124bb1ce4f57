//! `morsa._native`: the private native module of the `morsa` Python package.
//!
//! Conversion and error mapping only; every protocol rule lives in `morsa-core`. Computation
//! runs with the GIL released. Byte inputs use the buffer protocol: read-only buffers (bytes,
//! read-only memory maps, memoryviews of them) are read in place; writable ones are copied first
//! so that no other thread can change them while the GIL is released.

mod bls;
mod certificates;
mod codec;
mod common;
mod network;
mod quilt;
mod rewards;
mod seal;

use pyo3::prelude::*;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    common::register(m)?;
    codec::register(m)?;
    certificates::register(m)?;
    bls::register(m)?;
    rewards::register(m)?;
    network::register(m)?;
    quilt::register(m)?;
    seal::register(m)?;
    Ok(())
}
