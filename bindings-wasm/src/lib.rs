//! WebAssembly bindings of `morsa-core` (the `morsa-wasm` npm package's native module).
//!
//! Conversion and error mapping only: every protocol rule lives in `morsa-core`. Errors are
//! JavaScript `Error`s whose `name` is `"MorsaError"` and whose `code` is one of the stable
//! codes of the core's error kinds (`morsa_core::error::ErrorKind::as_str`, the table the Python
//! package's exception classes follow too). Names are camelCase on the JavaScript side; `u64` values are
//! `bigint`, except sizes in bytes, which are `number`s (exact below 2^53, and a wasm32 blob
//! is below 4 GiB anyway).
//!
//! The JavaScript layer around it (`bindings-wasm/js/`) adds networking with `fetch()`, reads
//! `File`s in slices and runs decoding in a Web Worker.

mod certificates;
mod codec;
mod errors;
mod network;
mod rewards;
mod seal;

pub use certificates::*;
pub use codec::*;
pub use network::Network;
pub use rewards::*;
