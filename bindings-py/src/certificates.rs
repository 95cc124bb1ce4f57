//! Protocol messages, Ed25519 keys, committees and certificates (SPEC §10).

use morsa_core::certificate::{
    Certificate as CoreCertificate, CertificateBuilder as CoreBuilder, CertificateKind, Committee as CoreCommittee,
    CommitteeWeights, Member, PublicKey, Signature, SigningKey as CoreSigningKey, SIGNATURE_LEN,
};
use morsa_core::messages::{
    BlobPersistenceType, InvalidBlobIdBody, InvalidBlobIdMsg, StorageConfirmation as CoreConfirmation,
    StorageConfirmationBody,
};
use morsa_core::wire::BcsDecode;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::common::{array, invalid, parse, parse_blob_id, py_err};

fn public_key(bytes: &[u8]) -> PyResult<PublicKey> {
    array(bytes, "a public key").map(PublicKey)
}

fn signature(bytes: &[u8]) -> PyResult<Signature> {
    array(bytes, "a signature").map(Signature)
}

/// An Ed25519 signing key from a 32-byte seed (RFC 8032 private key).
#[pyclass(frozen, module = "morsa._native", name = "SigningKey")]
struct PySigningKey(CoreSigningKey);

#[pymethods]
impl PySigningKey {
    #[new]
    fn new(seed: &[u8]) -> PyResult<Self> {
        CoreSigningKey::from_seed(array(seed, "a seed")?).map(Self).map_err(py_err)
    }

    #[getter]
    fn public_key<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.0.public_key().0)
    }

    fn sign<'py>(&self, py: Python<'py>, message: &[u8]) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.0.sign(message).0)
    }

    fn __repr__(&self) -> String {
        format!("SigningKey(public_key={})", hex(&self.0.public_key().0))
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The bytes an account signs for a control-plane request (`morsa_core::auth`): domain tag,
/// method, path, nonce and the hex SHA-256 of `body`, one per line.
#[pyfunction]
fn request_message<'py>(py: Python<'py>, method: &str, path: &str, nonce: &str, body: &[u8]) -> Bound<'py, PyBytes> {
    PyBytes::new(py, &morsa_core::auth::request_message(method, path, nonce, body))
}

/// Whether `signature` is a valid Ed25519 signature of `message` by `public_key`.
#[pyfunction]
fn verify_signature(public_key: &[u8], message: &[u8], signature: &[u8]) -> PyResult<bool> {
    let (Ok(key), Ok(sig)) = (self::public_key(public_key), self::signature(signature)) else {
        return Err(invalid("public keys are 32 bytes and signatures 64 bytes"));
    };
    Ok(key.verify(message, &sig).is_ok())
}

/// A storage confirmation message (SPEC §10.1): `01 00 03 ‖ epoch ‖ blob_id ‖ blob type`.
#[pyclass(frozen, module = "morsa._native", name = "StorageConfirmation")]
#[derive(Clone)]
pub(crate) struct PyStorageConfirmation(pub(crate) CoreConfirmation);

#[pymethods]
impl PyStorageConfirmation {
    #[new]
    #[pyo3(signature = (epoch, blob_id, object_id = None))]
    fn new(epoch: u32, blob_id: &str, object_id: Option<&[u8]>) -> PyResult<Self> {
        let blob_type = match object_id {
            None => BlobPersistenceType::Permanent,
            Some(id) => BlobPersistenceType::Deletable { object_id: array(id, "an object ID")? },
        };
        Ok(Self(CoreConfirmation::new(epoch, parse_blob_id(blob_id)?, blob_type)))
    }

    #[staticmethod]
    fn from_bytes(data: &[u8]) -> PyResult<Self> {
        CoreConfirmation::from_bcs(data).map(Self).map_err(py_err)
    }

    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.0.to_message_bytes())
    }

    #[getter]
    fn epoch(&self) -> u32 {
        self.0.epoch
    }

    #[getter]
    fn blob_id(&self) -> String {
        self.0.body.blob_id.to_string()
    }

    #[getter]
    fn object_id<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyBytes>> {
        match &self.0.body.blob_type {
            BlobPersistenceType::Permanent => None,
            BlobPersistenceType::Deletable { object_id } => Some(PyBytes::new(py, object_id)),
        }
    }

    #[getter]
    fn deletable(&self) -> bool {
        matches!(self.0.body.blob_type, BlobPersistenceType::Deletable { .. })
    }

    fn __eq__(&self, other: &Self) -> bool {
        self.0 == other.0
    }

    fn __repr__(&self) -> String {
        format!(
            "StorageConfirmation(epoch={}, blob_id='{}', deletable={})",
            self.0.epoch,
            self.0.body.blob_id,
            self.deletable()
        )
    }
}

/// An invalid-blob-ID attestation message (SPEC §10.1): `02 00 03 ‖ epoch ‖ blob_id`.
#[pyclass(frozen, module = "morsa._native", name = "InvalidBlobIdMessage")]
#[derive(Clone)]
pub(crate) struct PyInvalidBlobIdMessage(pub(crate) InvalidBlobIdMsg);

#[pymethods]
impl PyInvalidBlobIdMessage {
    #[new]
    fn new(epoch: u32, blob_id: &str) -> PyResult<Self> {
        Ok(Self(InvalidBlobIdMsg::new(epoch, parse_blob_id(blob_id)?)))
    }

    #[staticmethod]
    fn from_bytes(data: &[u8]) -> PyResult<Self> {
        InvalidBlobIdMsg::from_bcs(data).map(Self).map_err(py_err)
    }

    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.0.to_message_bytes())
    }

    #[getter]
    fn epoch(&self) -> u32 {
        self.0.epoch
    }

    #[getter]
    fn blob_id(&self) -> String {
        self.0.body.blob_id.to_string()
    }

    fn __eq__(&self, other: &Self) -> bool {
        self.0 == other.0
    }

    fn __repr__(&self) -> String {
        format!("InvalidBlobIdMessage(epoch={}, blob_id='{}')", self.0.epoch, self.0.body.blob_id)
    }
}

/// A committee: members in order, each with an Ed25519 public key and its shards (SPEC §10.3).
#[pyclass(frozen, module = "morsa._native", name = "Committee")]
struct PyCommittee(CoreCommittee);

#[pymethods]
impl PyCommittee {
    #[new]
    fn new(epoch: u32, members: Vec<(Vec<u8>, Vec<u16>)>) -> PyResult<Self> {
        let members = members
            .into_iter()
            .map(|(key, shards)| Ok(Member { public_key: public_key(&key)?, shards }))
            .collect::<PyResult<Vec<_>>>()?;
        CoreCommittee::new(epoch, members).map(Self).map_err(py_err)
    }

    #[staticmethod]
    fn from_bytes(data: &[u8]) -> PyResult<Self> {
        CoreCommittee::from_bytes(data).map(Self).map_err(py_err)
    }

    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.0.to_bytes())
    }

    #[getter]
    fn epoch(&self) -> u32 {
        self.0.epoch()
    }

    #[getter]
    fn n_shards(&self) -> u16 {
        self.0.n_shards()
    }

    #[getter]
    fn n_members(&self) -> usize {
        self.0.members().len()
    }

    #[getter]
    fn members<'py>(&self, py: Python<'py>) -> Vec<(Bound<'py, PyBytes>, Vec<u16>)> {
        self.0.members().iter().map(|m| (PyBytes::new(py, &m.public_key.0), m.shards.clone())).collect()
    }

    fn weight(&self, member: usize) -> PyResult<u16> {
        self.0.member(member).map(|(_, w)| w).ok_or_else(|| invalid(format!("member {member} is out of range")))
    }

    fn member_index(&self, public_key: &[u8]) -> PyResult<Option<usize>> {
        Ok(self.0.member_index(&self::public_key(public_key)?))
    }

    fn shard_owner(&self, shard: u16) -> PyResult<usize> {
        self.0.shard_owner(shard).ok_or_else(|| invalid(format!("shard {shard} is out of range")))
    }

    fn __eq__(&self, other: &Self) -> bool {
        self.0 == other.0
    }

    fn __repr__(&self) -> String {
        format!(
            "Committee(epoch={}, n_members={}, n_shards={})",
            self.0.epoch(),
            self.0.members().len(),
            self.0.n_shards()
        )
    }
}

/// A certificate: signer bitmap, the signed message and one signature per signer (SPEC §10.3).
#[pyclass(frozen, module = "morsa._native", name = "Certificate")]
struct PyCertificate(CoreCertificate<Vec<u8>>);

/// What a verified certificate attests.
#[pyclass(frozen, module = "morsa._native", name = "VerifiedCertificate", get_all)]
pub(crate) struct PyVerifiedCertificate {
    /// "confirmation" or "invalid_blob".
    kind: &'static str,
    epoch: u32,
    blob_id: String,
    object_id: Option<Vec<u8>>,
    signer_weight: u32,
    n_signers: usize,
}

impl From<morsa_core::certificate::CertifiedBlob> for PyVerifiedCertificate {
    fn from(verified: morsa_core::certificate::CertifiedBlob) -> Self {
        Self {
            kind: verified.kind.as_str(),
            epoch: verified.epoch,
            blob_id: verified.blob_id.to_string(),
            object_id: verified.object_id.map(|id| id.to_vec()),
            signer_weight: verified.signer_weight,
            n_signers: verified.n_signers,
        }
    }
}

#[pymethods]
impl PyVerifiedCertificate {
    fn __repr__(&self) -> String {
        format!(
            "VerifiedCertificate(kind='{}', epoch={}, blob_id='{}', signer_weight={}, n_signers={})",
            self.kind, self.epoch, self.blob_id, self.signer_weight, self.n_signers
        )
    }
}

#[pymethods]
impl PyCertificate {
    #[new]
    fn new(signers: Vec<u8>, serialized_message: Vec<u8>, signatures: Vec<u8>) -> Self {
        Self(CoreCertificate { signers, serialized_message, signatures })
    }

    #[staticmethod]
    fn from_bytes(data: &[u8]) -> PyResult<Self> {
        CoreCertificate::<&[u8]>::from_bytes(data)
            .map(|c| {
                Self(CoreCertificate {
                    signers: c.signers.to_vec(),
                    serialized_message: c.serialized_message.to_vec(),
                    signatures: c.signatures.to_vec(),
                })
            })
            .map_err(py_err)
    }

    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.0.to_bytes())
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
    fn signatures(&self) -> Vec<Vec<u8>> {
        self.0.signatures.chunks(SIGNATURE_LEN).map(<[u8]>::to_vec).collect()
    }

    #[getter]
    fn signer_indices(&self) -> Vec<usize> {
        self.0.signer_indices().collect()
    }

    /// Verifies the certificate as a `kind` certificate ("confirmation" or "invalid_blob"),
    /// or, by default, as the kind its message's intent declares; the threshold follows the kind.
    #[pyo3(signature = (committee, kind = None))]
    fn verify(&self, py: Python<'_>, committee: &PyCommittee, kind: Option<&str>) -> PyResult<PyVerifiedCertificate> {
        let kind = kind.map(parse::<CertificateKind>).transpose()?;
        let verified = py.detach(|| self.0.verify_kind(&committee.0, kind)).map_err(py_err)?;
        Ok(verified.into())
    }

    fn __eq__(&self, other: &Self) -> bool {
        self.0 == other.0
    }

    fn __repr__(&self) -> String {
        format!("Certificate(signers={:?}, message_bytes={})", self.signer_indices(), self.0.serialized_message.len())
    }
}

enum AnyBuilder {
    Confirmation(CoreBuilder<CoreCommittee, StorageConfirmationBody>),
    InvalidBlob(CoreBuilder<CoreCommittee, InvalidBlobIdBody>),
}

macro_rules! with_builder {
    ($b:expr, $x:ident => $e:expr) => {
        match $b {
            AnyBuilder::Confirmation($x) => $e,
            AnyBuilder::InvalidBlob($x) => $e,
        }
    };
}

/// Collects signed messages into a certificate, dropping invalid and duplicate ones.
#[pyclass(module = "morsa._native", name = "CertificateBuilder")]
struct PyCertificateBuilder(AnyBuilder);

#[pymethods]
impl PyCertificateBuilder {
    #[new]
    fn new(committee: &PyCommittee, message: &Bound<'_, PyAny>) -> PyResult<Self> {
        let committee = committee.0.clone();
        if let Ok(m) = message.cast::<PyStorageConfirmation>() {
            return CoreBuilder::new(committee, &m.get().0).map(|b| Self(AnyBuilder::Confirmation(b))).map_err(py_err);
        }
        if let Ok(m) = message.cast::<PyInvalidBlobIdMessage>() {
            return CoreBuilder::new(committee, &m.get().0).map(|b| Self(AnyBuilder::InvalidBlob(b))).map_err(py_err);
        }
        Err(pyo3::exceptions::PyTypeError::new_err("message must be a StorageConfirmation or an InvalidBlobIdMessage"))
    }

    fn add(&mut self, member: usize, serialized_message: &[u8], signature: &[u8]) -> PyResult<bool> {
        let sig = self::signature(signature)?;
        with_builder!(&mut self.0, b => b.add(member, serialized_message, &sig)).map_err(py_err)
    }

    fn add_by_key(&mut self, public_key: &[u8], serialized_message: &[u8], signature: &[u8]) -> PyResult<bool> {
        let (key, sig) = (self::public_key(public_key)?, self::signature(signature)?);
        with_builder!(&mut self.0, b => b.add_by_key(&key, serialized_message, &sig)).map_err(py_err)
    }

    #[getter]
    fn message_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, with_builder!(&self.0, b => b.message_bytes()))
    }

    #[getter]
    fn weight(&self) -> u32 {
        with_builder!(&self.0, b => b.weight())
    }

    #[getter]
    fn required_weight(&self) -> u32 {
        with_builder!(&self.0, b => b.required_weight())
    }

    #[getter]
    fn missing_weight(&self) -> u32 {
        with_builder!(&self.0, b => b.missing_weight())
    }

    #[getter]
    fn is_complete(&self) -> bool {
        with_builder!(&self.0, b => b.is_complete())
    }

    fn finish(&self) -> PyResult<PyCertificate> {
        with_builder!(&self.0, b => b.finish()).map(PyCertificate).map_err(py_err)
    }
}

/// Adds the certificate classes and functions to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PySigningKey>()?;
    m.add_class::<PyStorageConfirmation>()?;
    m.add_class::<PyInvalidBlobIdMessage>()?;
    m.add_class::<PyCommittee>()?;
    m.add_class::<PyCertificate>()?;
    m.add_class::<PyVerifiedCertificate>()?;
    m.add_class::<PyCertificateBuilder>()?;
    m.add_function(wrap_pyfunction!(verify_signature, m)?)?;
    m.add_function(wrap_pyfunction!(request_message, m)?)?;
    m.add("NONCE_WINDOW_MS", morsa_core::auth::NONCE_WINDOW_MS)?;
    Ok(())
}
