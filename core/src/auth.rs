//! Signed requests of accounts on a Morsa control plane (a Morsa extension standing in for Sui
//! transactions; docs/network.md, "Accounts").
//!
//! A paid call (registering a blob, staking, …) carries the account's address (`0x` and the hex
//! of its Ed25519 public key), a nonce (`<milliseconds since the Unix epoch>.<16 hex digits>`)
//! and the Ed25519 signature of [`request_message`]: a domain tag, the method, the path, the
//! nonce and the SHA-256 of the body, one per line. The control plane accepts a nonce once, and
//! only within [`NONCE_WINDOW_MS`] of its clock.

use alloc::vec::Vec;

use sha2::{Digest, Sha256};

/// The domain tag that starts every signed request.
pub const REQUEST_DOMAIN: &[u8] = b"morsa/request/v1\n";

/// How far a request's nonce time may be from the control plane's clock: 5 minutes.
pub const NONCE_WINDOW_MS: u64 = 5 * 60 * 1000;

/// The bytes an account signs for a request: [`REQUEST_DOMAIN`], then the upper-cased
/// `method`, `path`, `nonce` and the lower-case hex SHA-256 of `body`, separated by newlines
/// (no newline at the end).
pub fn request_message(method: &str, path: &str, nonce: &str, body: &[u8]) -> Vec<u8> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = Sha256::digest(body);
    let mut out = Vec::with_capacity(REQUEST_DOMAIN.len() + method.len() + path.len() + nonce.len() + 3 + 64);
    out.extend_from_slice(REQUEST_DOMAIN);
    out.extend(method.bytes().map(|b| b.to_ascii_uppercase()));
    out.push(b'\n');
    out.extend_from_slice(path.as_bytes());
    out.push(b'\n');
    out.extend_from_slice(nonce.as_bytes());
    out.push(b'\n');
    for b in digest {
        out.push(HEX[usize::from(b >> 4)]);
        out.push(HEX[usize::from(b & 15)]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_has_the_documented_layout() {
        let m = request_message("post", "/v1/blobs", "1.00", b"abc");
        let expected = b"morsa/request/v1\nPOST\n/v1/blobs\n1.00\nba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assert_eq!(m, expected.to_vec());
    }

    #[test]
    fn any_change_of_the_body_changes_the_message() {
        assert_ne!(request_message("GET", "/", "n", b""), request_message("GET", "/", "n", b"\0"));
        assert_ne!(request_message("GET", "/a", "n", b""), request_message("GET", "/b", "n", b""));
    }
}
