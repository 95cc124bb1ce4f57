//! BLS12-381 (min_pk) signatures and Walrus's certificates (`morsa_core::certificate::bls`).

use morsa_core::certificate::bls::{
    self, BlsCertificate, BlsCertificateBuilder, BlsMembers, BlsPublicKey, BlsSignature, BlsSigningKey as CoreKey,
    VerifiedBlsSignature, WalrusCertificate,
};
use morsa_core::certificate::{AddSignatureError, CertificateKind, SignatureScheme};
use morsa_core::messages::{InvalidBlobIdBody, StorageConfirmationBody};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::certificates::{PyInvalidBlobIdMessage, PyStorageConfirmation, PyVerifiedCertificate};
use crate::common::{array, invalid, parse, py_err};

fn public_key(bytes: &[u8]) -> PyResult<BlsPublicKey> {
    array(bytes, "a BLS12-381 public key").map(BlsPublicKey)
}

fn signature(bytes: &[u8]) -> PyResult<BlsSignature> {
    array(bytes, "a BLS12-381 signature").map(BlsSignature)
}

fn address(bytes: &[u8]) -> PyResult<[u8; 32]> {
    array(bytes, "an address")
}

/// Whether `signature` proves possession of `public_key` for `epoch` and the 32-byte `address`
/// (Walrus's `ProofOfPossessionMessage`).
#[pyfunction]
fn bls_verify_proof_of_possession(
    py: Python<'_>,
    public_key: &[u8],
    epoch: u32,
    address: &[u8],
    signature: &[u8],
) -> PyResult<bool> {
    let (key, sig, address) = (self::public_key(public_key)?, self::signature(signature)?, self::address(address)?);
    Ok(py.detach(|| key.verify_proof_of_possession(epoch, &address, &sig).is_ok()))
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
        CoreKey::from_bytes(&array(secret, "a BLS12-381 secret key")?).map(Self).map_err(py_err)
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

    /// The proof of possession of this key for `epoch` and a node's 32-byte `address`.
    fn proof_of_possession<'py>(&self, py: Python<'py>, epoch: u32, address: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
        let address = self::address(address)?;
        let sig = py.detach(|| self.0.proof_of_possession(epoch, &address));
        Ok(PyBytes::new(py, &sig.0))
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
    let members = bls_members(&members)?;
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

fn bls_members(members: &[(Vec<u8>, u16)]) -> PyResult<Vec<(BlsPublicKey, u16)>> {
    members.iter().map(|(k, w)| public_key(k).map(|k| (k, *w))).collect()
}

/// A Walrus certificate (`ProtocolMessageCertificate`): the aggregate BLS signature, the signer
/// bitmap and the signed message; its bytes are Walrus's BCS form.
#[pyclass(frozen, module = "morsa._native", name = "BlsCertificate")]
pub(crate) struct PyBlsCertificate(BlsCertificate);

#[pymethods]
impl PyBlsCertificate {
    #[new]
    fn new(signature: &[u8], signers: Vec<u8>, serialized_message: Vec<u8>) -> PyResult<Self> {
        Ok(Self(BlsCertificate { signature: self::signature(signature)?, signers, serialized_message }))
    }

    /// Parses Walrus's BCS form (signer indices ascending, message, 96-byte signature).
    #[staticmethod]
    fn from_bytes(data: &[u8]) -> PyResult<Self> {
        BlsCertificate::from_bcs(data).map(Self).map_err(py_err)
    }

    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.0.to_bcs())
    }

    #[getter]
    fn signature<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.0.signature.0)
    }

    #[getter]
    fn signers<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.0.signers)
    }

    #[getter]
    fn serialized_message<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.0.serialized_message)
    }

    #[getter]
    fn signer_indices(&self) -> Vec<usize> {
        self.0.signer_indices().collect()
    }

    /// Verifies for the committee of `epoch` (members in order: BLS public key, shards), as a
    /// `kind` certificate or as its message's intent declares.
    #[pyo3(signature = (epoch, members, kind = None))]
    fn verify(
        &self,
        py: Python<'_>,
        epoch: u32,
        members: Vec<(Vec<u8>, u16)>,
        kind: Option<&str>,
    ) -> PyResult<PyVerifiedCertificate> {
        let kind = kind.map(parse::<CertificateKind>).transpose()?;
        let members = bls_members(&members)?;
        let committee = BlsMembers { epoch, members: &members };
        py.detach(|| self.0.as_view().verify_kind(&committee, kind)).map(Into::into).map_err(py_err)
    }

    fn __eq__(&self, other: &Self) -> bool {
        self.0 == other.0
    }

    fn __repr__(&self) -> String {
        format!(
            "BlsCertificate(signers={:?}, message_bytes={})",
            self.signer_indices(),
            self.0.serialized_message.len()
        )
    }
}

enum AnyBlsBuilder {
    Confirmation(BlsCertificateBuilder<StorageConfirmationBody>),
    InvalidBlob(BlsCertificateBuilder<InvalidBlobIdBody>),
}

macro_rules! with_bls_builder {
    ($b:expr, $x:ident => $e:expr) => {
        match $b {
            AnyBlsBuilder::Confirmation($x) => $e,
            AnyBlsBuilder::InvalidBlob($x) => $e,
        }
    };
}

/// Collects members' BLS signatures of one message into a Walrus certificate, aggregating as it
/// goes; invalid and duplicate signatures are dropped.
#[pyclass(module = "morsa._native", name = "BlsCertificateBuilder")]
struct PyBlsCertificateBuilder(AnyBlsBuilder);

#[pymethods]
impl PyBlsCertificateBuilder {
    #[new]
    fn new(epoch: u32, members: Vec<(Vec<u8>, u16)>, message: &Bound<'_, PyAny>) -> PyResult<Self> {
        let members = bls_members(&members)?;
        if let Ok(m) = message.cast::<PyStorageConfirmation>() {
            return BlsCertificateBuilder::new(epoch, members, &m.get().0)
                .map(|b| Self(AnyBlsBuilder::Confirmation(b)))
                .map_err(py_err);
        }
        if let Ok(m) = message.cast::<PyInvalidBlobIdMessage>() {
            return BlsCertificateBuilder::new(epoch, members, &m.get().0)
                .map(|b| Self(AnyBlsBuilder::InvalidBlob(b)))
                .map_err(py_err);
        }
        Err(pyo3::exceptions::PyTypeError::new_err("message must be a StorageConfirmation or an InvalidBlobIdMessage"))
    }

    /// Verifies the signature with the GIL released and no borrow held (threads may add at
    /// once), then adds it to the aggregate (which checks again that key and message are its own).
    fn add(slf: &Bound<'_, Self>, member: usize, serialized_message: &[u8], signature: &[u8]) -> PyResult<bool> {
        let py = slf.py();
        let sig = self::signature(signature)?;
        // Verification needs only the member's key and the message: take them, release the borrow.
        let (key, message) = {
            let builder = slf.borrow();
            with_bls_builder!(&builder.0, b => {
                if b.has_signed(member).map_err(py_err)? {
                    return Ok(false);
                }
                if serialized_message != b.message_bytes() {
                    return Err(py_err(AddSignatureError::MessageMismatch));
                }
                (b.member_key(member).ok_or_else(|| py_err(AddSignatureError::UnknownMember))?, b.message_bytes().to_vec())
            })
        };
        let verified = py.detach(|| VerifiedBlsSignature::new(member, key, message, &sig)).map_err(py_err)?;
        with_bls_builder!(&mut slf.borrow_mut().0, b => b.insert(verified)).map_err(py_err)
    }

    fn add_by_key(
        slf: &Bound<'_, Self>,
        public_key: &[u8],
        serialized_message: &[u8],
        signature: &[u8],
    ) -> PyResult<bool> {
        let key = self::public_key(public_key)?;
        let member = with_bls_builder!(&slf.borrow().0, b => b.member_index(&key))
            .ok_or_else(|| py_err(AddSignatureError::UnknownMember))?;
        Self::add(slf, member, serialized_message, signature)
    }

    #[getter]
    fn message_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, with_bls_builder!(&self.0, b => b.message_bytes()))
    }

    #[getter]
    fn weight(&self) -> u32 {
        with_bls_builder!(&self.0, b => b.weight())
    }

    #[getter]
    fn required_weight(&self) -> u32 {
        with_bls_builder!(&self.0, b => b.required_weight())
    }

    #[getter]
    fn missing_weight(&self) -> u32 {
        with_bls_builder!(&self.0, b => b.missing_weight())
    }

    #[getter]
    fn is_complete(&self) -> bool {
        with_bls_builder!(&self.0, b => b.is_complete())
    }

    fn finish(&self) -> PyResult<PyBlsCertificate> {
        with_bls_builder!(&self.0, b => b.finish()).map(PyBlsCertificate).map_err(py_err)
    }
}

/// The canonical name of a signature scheme (`"ed25519"`, `"bls12381"`) from any of its names
/// (`"bls"` too). Raises `InvalidArgumentError` for another.
#[pyfunction]
fn signature_scheme(name: &str) -> PyResult<&'static str> {
    parse::<SignatureScheme>(name).map(SignatureScheme::as_str)
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyBlsSigningKey>()?;
    m.add_class::<PyBlsCertificate>()?;
    m.add_class::<PyBlsCertificateBuilder>()?;
    m.add_function(wrap_pyfunction!(signature_scheme, m)?)?;
    m.add_function(wrap_pyfunction!(bls_verify_proof_of_possession, m)?)?;
    m.add_function(wrap_pyfunction!(bls_verify, m)?)?;
    m.add_function(wrap_pyfunction!(bls_aggregate, m)?)?;
    m.add_function(wrap_pyfunction!(bls_verify_aggregate, m)?)?;
    m.add_function(wrap_pyfunction!(verify_walrus_certificate, m)?)?;
    m.add_function(wrap_pyfunction!(signer_bitmap, m)?)?;
    Ok(())
}
