//! Error mapping: every core error becomes a JavaScript `Error` with a stable `code`.

use js_sys::{Error, Reflect};
use morsa_core::encoding::{DecodeError, EncodeError, RecoveryError, SliverError};
use morsa_core::metadata::MetadataError;
use morsa_core::wire::WireError;
use wasm_bindgen::JsValue;

/// The stable `code` of a Morsa error (the same classes as the Python package's exceptions).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Code {
    /// `"ENCODING"`: bad shard count or encoding parameters (SPEC §1).
    Encoding,
    /// `"BLOB_TOO_LARGE"`: the blob exceeds `p * s * 65534` bytes (SPEC §1.4).
    BlobTooLarge,
    /// `"INVALID_BLOB_ID"`: not 43 characters of base64url (SPEC §5.4).
    InvalidBlobId,
    /// `"WIRE_FORMAT"`: malformed, truncated or non-canonical BCS or postcard bytes.
    WireFormat,
    /// `"VERIFICATION"`: metadata, a sliver, a symbol, a proof or a certificate does not verify.
    Verification,
    /// `"DECODING"`: too few valid slivers or symbols (SPEC §7, §8).
    Decoding,
    /// `"INCONSISTENT_ENCODING"`: the blob was encoded inconsistently (SPEC §7, §9).
    InconsistentEncoding,
    /// `"INVALID_ARGUMENT"`: an argument of the wrong range or shape.
    InvalidArgument,
    /// `"REWARDS"`: the reward math aborted (overflow, range), as the Move contract would.
    Rewards,
}

impl Code {
    /// The string value of `error.code`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Code::Encoding => "ENCODING",
            Code::BlobTooLarge => "BLOB_TOO_LARGE",
            Code::InvalidBlobId => "INVALID_BLOB_ID",
            Code::WireFormat => "WIRE_FORMAT",
            Code::Verification => "VERIFICATION",
            Code::Decoding => "DECODING",
            Code::InconsistentEncoding => "INCONSISTENT_ENCODING",
            Code::InvalidArgument => "INVALID_ARGUMENT",
            Code::Rewards => "REWARDS",
        }
    }
}

/// A JavaScript `Error` with `name = "MorsaError"` and `code`.
pub(crate) fn error(code: Code, message: impl core::fmt::Display) -> JsValue {
    let err = Error::new(&message.to_string());
    err.set_name("MorsaError");
    let _ = Reflect::set(&err, &JsValue::from_str("code"), &JsValue::from_str(code.as_str()));
    err.into()
}

pub(crate) fn invalid(message: impl core::fmt::Display) -> JsValue {
    error(Code::InvalidArgument, message)
}

pub(crate) fn encode_err(e: EncodeError) -> JsValue {
    match e {
        EncodeError::BlobTooLarge { .. } => error(Code::BlobTooLarge, e),
        _ => error(Code::Encoding, e),
    }
}

pub(crate) fn wire_err(e: WireError) -> JsValue {
    error(Code::WireFormat, e)
}

pub(crate) fn metadata_err(e: MetadataError) -> JsValue {
    error(Code::Verification, e)
}

pub(crate) fn sliver_err(e: SliverError) -> JsValue {
    error(Code::Verification, e)
}

pub(crate) fn decode_err(e: DecodeError) -> JsValue {
    match e {
        DecodeError::InconsistentEncoding => error(Code::InconsistentEncoding, e),
        _ => error(Code::Decoding, e),
    }
}

pub(crate) fn recovery_err(e: RecoveryError) -> JsValue {
    match e {
        RecoveryError::Inconsistent(_) => error(Code::InconsistentEncoding, e),
        RecoveryError::NotEnoughSymbols { .. } => error(Code::Decoding, e),
        _ => error(Code::Verification, e),
    }
}
