//! Shamir secret sharing of 32-byte keys over GF(2⁸), the Rijndael field (`x⁸ + x⁴ + x³ + x + 1`),
//! byte by byte, as Seal shares its base key (`crates/crypto/src/tss.rs`, `shamir.ts`): share `i`
//! (0-based) is every byte's polynomial evaluated at `x = i + 1`.

use alloc::vec::Vec;

/// One share: its index `x` (1..=255) and the 32 polynomial values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Share {
    /// The evaluation point `x`.
    pub index: u8,
    /// The values at `x`, one per secret byte.
    pub value: [u8; 32],
}

/// Product in GF(2⁸) (shift-and-add, reduced by 0x1b; no table, no secret-dependent branch on
/// the operands' bits beyond masks).
fn mul(mut a: u8, mut b: u8) -> u8 {
    let mut p = 0u8;
    for _ in 0..8 {
        p ^= a & 0u8.wrapping_sub(b & 1);
        let carry = 0u8.wrapping_sub(a >> 7);
        a = (a << 1) ^ (0x1b & carry);
        b >>= 1;
    }
    p
}

/// Inverse in GF(2⁸) (`a²⁵⁴`); 0 for 0.
fn inv(a: u8) -> u8 {
    let mut result = 1u8;
    let mut base = a;
    let mut e = 254u8;
    while e > 0 {
        if e & 1 == 1 {
            result = mul(result, base);
        }
        base = mul(base, base);
        e >>= 1;
    }
    result
}

/// Splits `secret` into `total` shares, any `threshold` of which recover it: each byte's
/// polynomial has the byte as constant term and, as coefficient `k` (1..threshold), byte
/// `32 (k − 1) + j` of `coefficients` (random bytes, at least `32 (threshold − 1)` of them).
///
/// # Panics
///
/// When `coefficients` is too short or `threshold` is 0 or above `total` (the caller checks).
pub fn split(secret: &[u8; 32], threshold: u8, total: u8, coefficients: &[u8]) -> Vec<Share> {
    assert!(threshold >= 1 && threshold <= total && coefficients.len() >= 32 * usize::from(threshold - 1));
    (1..=total)
        .map(|x| {
            let value = core::array::from_fn(|j| {
                // Horner from the highest coefficient down to the secret byte.
                let mut acc = 0u8;
                for k in (1..usize::from(threshold)).rev() {
                    acc = mul(acc, x) ^ coefficients[32 * (k - 1) + j];
                }
                mul(acc, x) ^ secret[j]
            });
            Share { index: x, value }
        })
        .collect()
}

/// The value at `x` of the polynomials through `shares` (Lagrange interpolation); `None` for no
/// share, a repeated index or index 0.
pub fn evaluate(shares: &[Share], x: u8) -> Option<[u8; 32]> {
    if shares.is_empty() || shares.iter().any(|s| s.index == 0) {
        return None;
    }
    for (i, s) in shares.iter().enumerate() {
        if shares[..i].iter().any(|t| t.index == s.index) {
            return None;
        }
    }
    let mut out = [0u8; 32];
    for (j, sj) in shares.iter().enumerate() {
        // l_j(x) = Π_{i≠j} (x − x_i) / (x_j − x_i); subtraction is XOR.
        let mut num = 1u8;
        let mut den = 1u8;
        for (i, si) in shares.iter().enumerate() {
            if i != j {
                num = mul(num, x ^ si.index);
                den = mul(den, sj.index ^ si.index);
            }
        }
        let l = mul(num, inv(den));
        for (o, v) in out.iter_mut().zip(&sj.value) {
            *o ^= mul(l, *v);
        }
    }
    Some(out)
}

/// The secret (the polynomials at 0) of at least `threshold` shares; `None` as [`evaluate`].
/// Fewer than the threshold give a value unrelated to the secret.
pub fn combine(shares: &[Share]) -> Option<[u8; 32]> {
    evaluate(shares, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_arithmetic() {
        // FIPS-197 §4.2: {57} · {83} = {c1}; {53} · {ca} = {01}.
        assert_eq!(mul(0x57, 0x83), 0xc1);
        assert_eq!(mul(0x53, 0xca), 0x01);
        for a in 1..=255u8 {
            assert_eq!(mul(a, inv(a)), 1);
        }
    }

    #[test]
    fn any_threshold_of_shares_recover_the_secret() {
        let secret: [u8; 32] = core::array::from_fn(|i| i as u8 * 7 + 1);
        let coefficients: Vec<u8> = (0..64u8).map(|i| i.wrapping_mul(37) ^ 0x5a).collect();
        let shares = split(&secret, 3, 5, &coefficients);
        assert_eq!(shares.iter().map(|s| s.index).collect::<Vec<_>>(), [1, 2, 3, 4, 5]);
        for a in 0..5 {
            for b in a + 1..5 {
                for c in b + 1..5 {
                    assert_eq!(combine(&[shares[a], shares[b], shares[c]]), Some(secret));
                    assert_eq!(
                        evaluate(&[shares[c], shares[a], shares[b]], shares[(c + 1) % 5].index),
                        Some(shares[(c + 1) % 5].value)
                    );
                }
            }
        }
        assert_ne!(combine(&shares[..2]), Some(secret));
        assert_eq!(combine(&[shares[0], shares[0], shares[1]]), None);
        assert_eq!(split(&secret, 1, 2, &[])[1].value, secret);
    }
}
