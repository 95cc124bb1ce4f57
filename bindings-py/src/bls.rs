//! BLS12-381 (min_pk) signatures and Walrus's certificates (`morsa_core::certificate::bls`).

use morsa_core::certificate::bls::{
    self, BlsMembers, BlsPublicKey, BlsSignature, BlsSigningKey as CoreKey, WalrusCertificate,
};
use morsa_core::certificate::CertificateKind;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::certificates::PyVerifiedCertificate;
use crate::common::{invalid, parse, py_err};

fn public_key(bytes: &[u8]) -> PyResult<BlsPublicKey> {
    bytes
        .try_into()
        .map(BlsPublicKey)
        .map_err(|_| invalid(format!("a BLS12-381 public key is 48 bytes, got {}", bytes.len())))
}

fn signature(bytes: &[u8]) -> PyResult<BlsSignature> {
    bytes
        .try_into()
        .map(BlsSignature)
        .map_err(|_| invalid(format!("a BLS12-381 signature is 96 bytes, got {}", bytes.len())))
}

/// A BLS12-381 secret key (fastcrypto's `min_pk`, as Walrus's storage nodes sign).
#[pyclass(frozen, module = "morsa._native", name = "BlsSigningKey")]
struct PyBlsSigningKey(CoreKey);

#[pymethods]
impl PyBlsSigningKey {
    /// The key derived from at least 32 bytes of input keying material (IETF KeyGen).
    #[staticmethod]
    fn from_ikm(ikm: &[u8]) -> PyResult<Self> {
        CoreKey::from_ikm(ikm).map(Self).map_err(py_err)
    }

    /// The key of a 32-byte big-endian scalar.
    #[staticmethod]
    fn from_bytes(secret: &[u8]) -> PyResult<Self> {
        let secret: &[u8; 32] = secret
            .try_into()
            .map_err(|_| invalid(format!("a BLS12-381 secret key is 32 bytes, got {}", secret.len())))?;
        CoreKey::from_bytes(secret).map(Self).map_err(py_err)
    }

    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.0.to_bytes())
    }

    #[getter]
    fn public_key<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.0.public_key().0)
    }

    fn sign<'py>(&self, py: Python<'py>, message: &[u8]) -> Bound<'py, PyBytes> {
        let sig = py.detach(|| self.0.sign(message));
        PyBytes::new(py, &sig.0)
    }

    fn __repr__(&self) -> String {
        format!("{:?}", self.0)
    }
}

/// Whether `signature` of `message` verifies under `public_key`.
#[pyfunction]
fn bls_verify(py: Python<'_>, signature: &[u8], public_key: &[u8], message: &[u8]) -> PyResult<bool> {
    let (key, sig) = (self::public_key(public_key)?, self::signature(signature)?);
    Ok(py.detach(|| key.verify(message, &sig).is_ok()))
}

/// The aggregate (sum) of BLS signatures.
#[pyfunction]
fn bls_aggregate<'py>(py: Python<'py>, signatures: Vec<Vec<u8>>) -> PyResult<Bound<'py, PyBytes>> {
    let sigs = signatures.iter().map(|s| signature(s)).collect::<PyResult<Vec<_>>>()?;
    let aggregate = py.detach(|| bls::aggregate_signatures(&sigs)).map_err(py_err)?;
    Ok(PyBytes::new(py, &aggregate.0))
}

/// Whether `signature` is the aggregate of signatures of `message` by every key of `public_keys`.
#[pyfunction]
fn bls_verify_aggregate(py: Python<'_>, public_keys: Vec<Vec<u8>>, message: &[u8], signature: &[u8]) -> PyResult<bool> {
    let keys = public_keys.iter().map(|k| public_key(k)).collect::<PyResult<Vec<_>>>()?;
    let sig = self::signature(signature)?;
    Ok(py.detach(|| bls::verify_aggregate(&keys, message, &sig).is_ok()))
}

/// Verifies a Walrus certificate (the arguments of `certify_blob`: aggregate signature, signer
/// bitmap, message) for the committee of `epoch` whose members, in committee order, are
/// `(BLS public key, shards)`; by `kind` or the message's intent. Raises `CertificateError`,
/// `SignatureError` or `WireFormatError` saying why not.
#[pyfunction]
#[pyo3(signature = (signature, signers, message, epoch, members, kind = None))]
fn verify_walrus_certificate(
    py: Python<'_>,
    signature: &[u8],
    signers: &[u8],
    message: &[u8],
    epoch: u32,
    members: Vec<(Vec<u8>, u16)>,
    kind: Option<&str>,
) -> PyResult<PyVerifiedCertificate> {
    let kind = kind.map(parse::<CertificateKind>).transpose()?;
    let members = members.iter().map(|(k, w)| public_key(k).map(|k| (k, *w))).collect::<PyResult<Vec<_>>>()?;
    let cert = WalrusCertificate { signature: self::signature(signature)?, signers, serialized_message: message };
    let committee = BlsMembers { epoch, members: &members };
    py.detach(|| cert.verify_kind(&committee, kind)).map(Into::into).map_err(py_err)
}

/// The signer bitmap of member indices `signers` in a committee of `n_members` (member `i` is bit
/// `i % 8` of byte `i / 8`). Raises `InvalidArgumentError` for an index past the last member.
#[pyfunction]
fn signer_bitmap<'py>(py: Python<'py>, signers: Vec<usize>, n_members: usize) -> PyResult<Bound<'py, PyBytes>> {
    let bitmap = morsa_core::certificate::signer_bitmap(signers, n_members)
        .ok_or_else(|| invalid(format!("a signer index is not below the {n_members} members")))?;
    Ok(PyBytes::new(py, &bitmap))
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyBlsSigningKey>()?;
    m.add_function(wrap_pyfunction!(bls_verify, m)?)?;
    m.add_function(wrap_pyfunction!(bls_aggregate, m)?)?;
    m.add_function(wrap_pyfunction!(bls_verify_aggregate, m)?)?;
    m.add_function(wrap_pyfunction!(verify_walrus_certificate, m)?)?;
    m.add_function(wrap_pyfunction!(signer_bitmap, m)?)?;
    Ok(())
}
