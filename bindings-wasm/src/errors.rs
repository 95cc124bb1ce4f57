//! Error mapping: every core error becomes a JavaScript `Error` with `name = "MorsaError"` and
//! the stable `code` of its kind ([`ErrorKind::as_str`], the one table the Python package's
//! exception classes follow too).

use js_sys::{Error, Reflect};
use morsa_core::error::{ErrorKind, Kind, UnknownName};
use wasm_bindgen::JsValue;

/// A JavaScript `Error` with `name = "MorsaError"` and `code` = the kind's code.
pub(crate) fn error(kind: ErrorKind, message: impl core::fmt::Display) -> JsValue {
    let err = Error::new(&message.to_string());
    err.set_name("MorsaError");
    let _ = Reflect::set(&err, &JsValue::from_str("code"), &JsValue::from_str(kind.as_str()));
    err.into()
}

/// A core error as a `MorsaError` with the code of its kind.
pub(crate) fn js_err<E: Kind + core::fmt::Display>(e: E) -> JsValue {
    error(e.kind(), e)
}

/// An argument of the wrong value: `INVALID_ARGUMENT`.
pub(crate) fn invalid(message: impl core::fmt::Display) -> JsValue {
    error(ErrorKind::InvalidArgument, message)
}

/// A fixed-length byte argument (a key, a signature, an ID): `what` names it in the
/// `INVALID_ARGUMENT` error for another length ("{what} is {N} bytes, not {len}").
pub(crate) fn fixed<const N: usize>(bytes: &[u8], what: &str) -> Result<[u8; N], JsValue> {
    bytes.try_into().map_err(|_| invalid(format!("{what} is {N} bytes, not {}", bytes.len())))
}

/// A name the core parses (axis, consistency check, certificate kind); anything else is
/// `INVALID_ARGUMENT` naming the value given.
pub(crate) fn parse<T: core::str::FromStr<Err = UnknownName>>(text: &str) -> Result<T, JsValue> {
    text.parse().map_err(|e: UnknownName| invalid(format!("{e}, not {text:?}")))
}
