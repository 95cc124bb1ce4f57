//! Exceptions, error mapping and argument conversions shared by the binding modules.

use std::sync::Mutex;

use morsa_core::encoding::{self, ConsistencyCheck};
use morsa_core::error::{ErrorKind, Kind};
use morsa_core::{Axis, BlobId, EncodingConfig};
use pyo3::buffer::PyBuffer;
use pyo3::create_exception;
use pyo3::exceptions::{PyOverflowError, PyTypeError, PyValueError};
use pyo3::prelude::*;

// The classes say `morsa.EncodingError` (the module users import them from), not `_native`.
create_exception!(morsa, MorsaError, PyValueError, "Base class of every Morsa error; a subclass of ValueError.");
create_exception!(
    morsa,
    InvalidArgumentError,
    MorsaError,
    "An argument of the wrong value: an unknown name (axis, consistency check, certificate kind, rules), an index \
     out of range, a byte string of the wrong length, a refused key seed."
);
create_exception!(morsa, EncodingError, MorsaError, "The encoding parameters or the blob size are invalid (SPEC §1).");
create_exception!(
    morsa,
    BlobTooLargeError,
    EncodingError,
    "The blob exceeds the maximum size for its shard count: p * s * 65534 bytes (SPEC §1.4)."
);
create_exception!(
    morsa,
    InvalidBlobIdError,
    MorsaError,
    "Text that is not a blob ID (43 characters of base64url, SPEC §5.4)."
);
create_exception!(
    morsa,
    RangeError,
    MorsaError,
    "A byte range of a blob that is empty or ends past the blob (SPEC §3.1, §12.1)."
);
create_exception!(morsa, WireFormatError, MorsaError, "Malformed, truncated or non-canonical BCS bytes.");
create_exception!(
    morsa,
    VerificationError,
    MorsaError,
    "Metadata, a sliver, a recovery symbol or a proof does not verify (SPEC §5.5, §6, §8, §9)."
);
create_exception!(morsa, DecodingError, MorsaError, "Too few valid slivers or symbols to decode (SPEC §7, §8).");
create_exception!(
    morsa,
    InconsistentEncodingError,
    DecodingError,
    "The blob was encoded inconsistently: decoded data does not match its metadata (SPEC §7, §9)."
);
create_exception!(morsa, CommitteeError, MorsaError, "An invalid committee (SPEC §10.3).");
create_exception!(
    morsa,
    CertificateError,
    MorsaError,
    "A certificate or signed confirmation that does not verify: malformed, wrong epoch, bad signer bitmap, \
     not enough shard weight (SPEC §10.3)."
);
create_exception!(
    morsa,
    SignatureError,
    CertificateError,
    "A signature that does not verify. Deliberately opaque: it does not say why."
);
create_exception!(
    morsa,
    QuiltError,
    MorsaError,
    "A quilt cannot be built or parsed: bad or duplicate identifiers, too many files, malformed bytes (SPEC §13)."
);
create_exception!(
    morsa,
    RewardsError,
    MorsaError,
    "A computation the Walrus contracts would abort: overflow, division by zero, an argument out of \
     range, no quorum, no stake, insufficient funds or capacity, an invalid staking-pool operation \
     (REWARDS.md §0.2)."
);

// ---------------------------------------------------------------------------------------------
// Error mapping: the one table from the core's error kinds to exception classes

/// The exception of `kind` with `message`.
pub(crate) fn kind_err(kind: ErrorKind, message: String) -> PyErr {
    match kind {
        ErrorKind::Encoding => EncodingError::new_err(message),
        ErrorKind::BlobTooLarge => BlobTooLargeError::new_err(message),
        ErrorKind::InvalidBlobId => InvalidBlobIdError::new_err(message),
        ErrorKind::WireFormat => WireFormatError::new_err(message),
        ErrorKind::Verification => VerificationError::new_err(message),
        ErrorKind::Decoding => DecodingError::new_err(message),
        ErrorKind::InconsistentEncoding => InconsistentEncodingError::new_err(message),
        ErrorKind::Range => RangeError::new_err(message),
        ErrorKind::Committee => CommitteeError::new_err(message),
        ErrorKind::Certificate => CertificateError::new_err(message),
        ErrorKind::Signature => SignatureError::new_err(message),
        ErrorKind::Quilt => QuiltError::new_err(message),
        ErrorKind::Rewards => RewardsError::new_err(message),
        ErrorKind::InvalidArgument => InvalidArgumentError::new_err(message),
        _ => MorsaError::new_err(message),
    }
}

/// A core error as the exception of its kind.
pub(crate) fn py_err<E: Kind + core::fmt::Display>(e: E) -> PyErr {
    kind_err(e.kind(), e.to_string())
}

/// A core error as the exception of its kind, its message prefixed with `context`.
pub(crate) fn py_err_in<E: Kind + core::fmt::Display>(context: &str, e: E) -> PyErr {
    kind_err(e.kind(), format!("{context}: {e}"))
}

/// An argument of the wrong value ([`InvalidArgumentError`]).
pub(crate) fn invalid(message: impl Into<String>) -> PyErr {
    InvalidArgumentError::new_err(message.into())
}

/// A fixed-length byte argument (a key, a signature, an ID): `what` names it in the
/// [`InvalidArgumentError`] for another length ("{what} must be {N} bytes, got {len}").
pub(crate) fn array<const N: usize>(bytes: &[u8], what: &str) -> PyResult<[u8; N]> {
    bytes.try_into().map_err(|_| invalid(format!("{what} must be {N} bytes, got {}", bytes.len())))
}

// ---------------------------------------------------------------------------------------------
// Conversions

/// A shard-count argument: any Python int. Values out of the `u32` range (negative or huge)
/// raise `EncodingError` like other unusable shard counts, not `OverflowError`.
#[derive(Clone, Copy)]
pub(crate) struct ShardCount(pub(crate) u32);

impl ShardCount {
    pub(crate) const MAINNET: Self = Self(encoding::MAINNET_N_SHARDS as u32);
}

impl<'a, 'py> FromPyObject<'a, 'py> for ShardCount {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        match obj.extract::<u32>() {
            Ok(n) => Ok(Self(n)),
            Err(e) if e.is_instance_of::<PyOverflowError>(obj.py()) => Err(EncodingError::new_err(format!(
                "n_shards = {} is out of range: RedStuff needs {} to {} shards",
                obj.str().map(|s| s.to_string()).unwrap_or_default(),
                encoding::MIN_SHARDS,
                encoding::MAX_SHARDS
            ))),
            Err(e) => Err(e),
        }
    }
}

/// A byte position or count in a blob: any Python int. Values out of the `u64` range (negative
/// or huge) raise `RangeError` naming the argument, not `OverflowError`.
#[derive(Clone, Copy)]
pub(crate) struct ByteCount(pub(crate) u64);

impl ByteCount {
    /// Extracts `obj` as the argument `what`.
    pub(crate) fn extract_arg(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Self> {
        match obj.extract::<u64>() {
            Ok(n) => Ok(Self(n)),
            Err(e) if e.is_instance_of::<PyOverflowError>(obj.py()) => Err(RangeError::new_err(format!(
                "{what} = {} is out of range: expected 0 <= {what} < 2**64",
                obj.str().map(|s| s.to_string()).unwrap_or_default()
            ))),
            Err(e) => Err(e),
        }
    }
}

pub(crate) fn config(n_shards: ShardCount) -> PyResult<EncodingConfig> {
    EncodingConfig::try_from(n_shards.0).map_err(py_err)
}

/// A name the core parses ([`Axis`], [`ConsistencyCheck`], the certificate kind, the reward
/// rules); anything else raises [`InvalidArgumentError`] naming the value given.
pub(crate) fn parse<T>(text: &str) -> PyResult<T>
where
    T: core::str::FromStr<Err = morsa_core::error::UnknownName>,
{
    text.parse().map_err(|e: morsa_core::error::UnknownName| invalid(format!("{e}, not {text:?}")))
}

pub(crate) fn parse_axis(axis: &str) -> PyResult<Axis> {
    parse(axis)
}

pub(crate) fn parse_blob_id(text: &str) -> PyResult<BlobId> {
    text.parse::<BlobId>().map_err(|e| py_err_in(&format!("{text:?}"), e))
}

pub(crate) fn parse_check(check: &str) -> PyResult<ConsistencyCheck> {
    parse(check)
}

pub(crate) fn index_u16(value: u32, what: &str) -> PyResult<u16> {
    u16::try_from(value).map_err(|_| invalid(format!("{what} {value} is out of range (0..65535)")))
}

/// Runs `f` on the bytes of a buffer-protocol object with the GIL released.
pub(crate) fn with_bytes<R: Send>(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    f: impl FnOnce(&[u8]) -> R + Send,
) -> PyResult<R> {
    if data.is_instance_of::<pyo3::types::PyString>() {
        return Err(PyTypeError::new_err(
            "expected a bytes-like object; to read a file, pass a path (pathlib.Path) to the morsa package functions",
        ));
    }
    let buffer = PyBuffer::<u8>::get(data)
        .map_err(|_| PyTypeError::new_err(format!("expected a bytes-like object, not {}", data.get_type())))?;
    match buffer.as_slice_ptr() {
        Some(ptr) if buffer.readonly() => {
            // SAFETY: the buffer is read-only and C-contiguous, and `buffer` keeps the exporter
            // alive and the memory valid until it is dropped after `f` returns.
            let bytes: &[u8] = unsafe { ptr.as_ref() };
            let result = py.detach(|| f(bytes));
            drop(buffer);
            Ok(result)
        }
        _ => {
            let owned = buffer.to_vec(py)?;
            Ok(py.detach(|| f(&owned)))
        }
    }
}

/// A progress callback that calls a Python callable `(done, total)` with the GIL reacquired;
/// the first exception it raises is kept and re-raised when the work ends.
pub(crate) struct Progress<'a> {
    callback: Option<&'a Py<PyAny>>,
    error: Mutex<Option<PyErr>>,
}

impl<'a> Progress<'a> {
    pub(crate) fn new(callback: Option<&'a Py<PyAny>>) -> Self {
        Self { callback, error: Mutex::new(None) }
    }

    pub(crate) fn report(&self, done: u64, total: u64) {
        let Some(cb) = self.callback else { return };
        let mut error = self.error.lock().unwrap_or_else(|e| e.into_inner());
        if error.is_some() {
            return;
        }
        if let Err(e) = Python::attach(|py| cb.call1(py, (done, total)).map(drop)) {
            *error = Some(e);
        }
    }

    pub(crate) fn finish(self) -> PyResult<()> {
        match self.error.into_inner().unwrap_or_else(|e| e.into_inner()) {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

/// Adds the exception classes to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("MorsaError", py.get_type::<MorsaError>())?;
    m.add("InvalidArgumentError", py.get_type::<InvalidArgumentError>())?;
    m.add("EncodingError", py.get_type::<EncodingError>())?;
    m.add("BlobTooLargeError", py.get_type::<BlobTooLargeError>())?;
    m.add("InvalidBlobIdError", py.get_type::<InvalidBlobIdError>())?;
    m.add("RangeError", py.get_type::<RangeError>())?;
    m.add("WireFormatError", py.get_type::<WireFormatError>())?;
    m.add("VerificationError", py.get_type::<VerificationError>())?;
    m.add("DecodingError", py.get_type::<DecodingError>())?;
    m.add("InconsistentEncodingError", py.get_type::<InconsistentEncodingError>())?;
    m.add("CommitteeError", py.get_type::<CommitteeError>())?;
    m.add("CertificateError", py.get_type::<CertificateError>())?;
    m.add("SignatureError", py.get_type::<SignatureError>())?;
    m.add("QuiltError", py.get_type::<QuiltError>())?;
    m.add("RewardsError", py.get_type::<RewardsError>())?;
    Ok(())
}
