//! Seal-compatible encryption (`morsa_core::seal`).

use morsa_core::seal::{self, Ciphertext, Dem, EncryptedObject, KeyServer, MasterKey};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::common::{array, invalid, py_err};

/// Encrypts `plaintext` for the identity `package_id ‖ id` to `key_servers` (`(object ID, public
/// key)`: 32 and 96 bytes) with `threshold`; returns `(object, dem_key)`.
#[pyfunction]
#[pyo3(signature = (seed, key_servers, threshold, package_id, id, plaintext, aad = None, dem = "aes256gcm"))]
#[allow(clippy::too_many_arguments)]
fn seal_encrypt<'py>(
    py: Python<'py>,
    seed: &[u8],
    key_servers: Vec<(Vec<u8>, Vec<u8>)>,
    threshold: u8,
    package_id: &[u8],
    id: &[u8],
    plaintext: &[u8],
    aad: Option<Vec<u8>>,
    dem: &str,
) -> PyResult<(Bound<'py, PyBytes>, Bound<'py, PyBytes>)> {
    let aad = aad.unwrap_or_default();
    let servers = servers_of(&key_servers)?;
    let seed: [u8; 32] = array(seed, "the seed")?;
    let package_id: [u8; 32] = array(package_id, "a package ID")?;
    let dem = match dem {
        "aes256gcm" => Dem::Aes256Gcm { aad: &aad },
        "hmac256ctr" => Dem::Hmac256Ctr { aad: &aad },
        other => return Err(invalid(format!("the DEM must be 'aes256gcm' or 'hmac256ctr', not {other:?}"))),
    };
    let (object, key) = py
        .detach(|| {
            seal::encrypt(&seed, &servers, threshold, &package_id, id, plaintext, dem).map(|(o, k)| (o.to_bcs(), k))
        })
        .map_err(py_err)?;
    Ok((PyBytes::new(py, &object), PyBytes::new(py, &key)))
}

/// Decrypts a BCS `EncryptedObject` with `(service index, user secret key)` pairs; with
/// `public_keys` (one per service) every share is checked.
#[pyfunction]
#[pyo3(signature = (object, keys, public_keys = None))]
fn seal_decrypt<'py>(
    py: Python<'py>,
    object: &[u8],
    keys: Vec<(usize, Vec<u8>)>,
    public_keys: Option<Vec<Vec<u8>>>,
) -> PyResult<Bound<'py, PyBytes>> {
    let object = EncryptedObject::from_bcs(object).map_err(py_err)?;
    let keys = user_secret_keys(&keys)?;
    let pks = public_keys_of(public_keys)?;
    let plaintext = py.detach(|| seal::decrypt(&object, &keys, pks.as_deref())).map_err(py_err)?;
    Ok(PyBytes::new(py, &plaintext))
}

/// Whether `user_secret_key` belongs to `full_id` under the key server `public_key`.
#[pyfunction]
fn seal_verify_user_secret_key(
    py: Python<'_>,
    user_secret_key: &[u8],
    full_id: &[u8],
    public_key: &[u8],
) -> PyResult<bool> {
    let (usk, pk): ([u8; 48], [u8; 96]) =
        (array(user_secret_key, "a user secret key")?, array(public_key, "a public key")?);
    Ok(py.detach(|| seal::verify_user_secret_key(&usk, full_id, &pk)))
}

/// The parts of a BCS `EncryptedObject`: `(package_id, id, services [(object ID, share index)],
/// threshold, dem ('aes256gcm' | 'hmac256ctr' | 'plain'), ciphertext length)`.
#[pyfunction]
#[allow(clippy::type_complexity)]
fn seal_parse(object: &[u8]) -> PyResult<ObjectParts> {
    Ok(parts(EncryptedObject::from_bcs(object).map_err(py_err)?))
}

type ObjectParts = (Vec<u8>, Vec<u8>, Vec<(Vec<u8>, u8)>, u8, &'static str, usize, usize);

fn parts(o: EncryptedObject) -> ObjectParts {
    let (dem, len) = match &o.ciphertext {
        Ciphertext::Aes256Gcm { blob, .. } => ("aes256gcm", blob.len()),
        Ciphertext::Hmac256Ctr { blob, .. } => ("hmac256ctr", blob.len()),
        Ciphertext::Plain => ("plain", 0),
    };
    let services = o.services.iter().map(|(id, i)| (id.to_vec(), *i)).collect();
    (o.package_id.to_vec(), o.id, services, o.threshold, dem, len, 1)
}

/// The parts of a private blob (one object or chunks), as [`seal_parse`] gives them, with the
/// ciphertext length summed over the chunks and the number of chunks last.
#[pyfunction]
fn seal_parse_blob(py: Python<'_>, blob: &[u8]) -> PyResult<ObjectParts> {
    let info = py.detach(|| seal::blob_info(blob)).map_err(py_err)?;
    let services = info.services.iter().map(|(id, i)| (id.to_vec(), *i)).collect();
    Ok((info.package_id.to_vec(), info.id, services, info.threshold, info.dem, info.ciphertext_len, info.chunks))
}

/// Whether a blob's first bytes can begin a private blob (a cheap test before parsing).
#[pyfunction]
fn seal_may_be_blob(prefix: &[u8]) -> bool {
    seal::may_be_blob(prefix)
}

fn servers_of(key_servers: &[(Vec<u8>, Vec<u8>)]) -> PyResult<Vec<KeyServer>> {
    key_servers
        .iter()
        .map(|(o, p)| {
            Ok(KeyServer { object_id: array(o, "an object ID")?, public_key: array(p, "a key server public key")? })
        })
        .collect()
}

fn user_secret_keys(keys: &[(usize, Vec<u8>)]) -> PyResult<Vec<(usize, [u8; 48])>> {
    keys.iter().map(|(i, k)| Ok((*i, array(k, "a user secret key")?))).collect()
}

fn public_keys_of(public_keys: Option<Vec<Vec<u8>>>) -> PyResult<Option<Vec<[u8; 96]>>> {
    public_keys.map(|p| p.iter().map(|k| array::<96>(k, "a key server public key")).collect()).transpose()
}

/// Encrypts a private blob (AES-256-GCM): one Seal object, or chunks of `chunk_len` bytes.
#[pyfunction]
#[pyo3(signature = (seed, key_servers, threshold, package_id, id, plaintext, chunk_len = seal::DEFAULT_CHUNK_LEN))]
#[allow(clippy::too_many_arguments)]
fn seal_encrypt_blob<'py>(
    py: Python<'py>,
    seed: &[u8],
    key_servers: Vec<(Vec<u8>, Vec<u8>)>,
    threshold: u8,
    package_id: &[u8],
    id: &[u8],
    plaintext: &[u8],
    chunk_len: usize,
) -> PyResult<Bound<'py, PyBytes>> {
    let servers = servers_of(&key_servers)?;
    let (seed, package_id): ([u8; 32], [u8; 32]) = (array(seed, "the seed")?, array(package_id, "a package ID")?);
    if chunk_len == 0 {
        return Err(invalid("the chunk length must be positive"));
    }
    let blob = py
        .detach(|| seal::encrypt_blob(&seed, &servers, threshold, &package_id, id, plaintext, chunk_len))
        .map_err(py_err)?;
    Ok(PyBytes::new(py, &blob))
}

/// Decrypts a private blob with `(service index, user secret key)` pairs.
#[pyfunction]
#[pyo3(signature = (blob, keys, public_keys = None))]
fn seal_decrypt_blob<'py>(
    py: Python<'py>,
    blob: &[u8],
    keys: Vec<(usize, Vec<u8>)>,
    public_keys: Option<Vec<Vec<u8>>>,
) -> PyResult<Bound<'py, PyBytes>> {
    let keys = user_secret_keys(&keys)?;
    let pks = public_keys_of(public_keys)?;
    let plaintext = py.detach(|| seal::decrypt_blob(blob, &keys, pks.as_deref())).map_err(py_err)?;
    Ok(PyBytes::new(py, &plaintext))
}

/// A reader's ephemeral ElGamal secret (32 bytes) from a 32-byte seed.
#[pyfunction]
fn seal_reader_secret_key<'py>(py: Python<'py>, seed: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    Ok(PyBytes::new(py, &seal::reader_secret_key(&array(seed, "the seed")?)))
}

/// The user secret key in a key server's answer, if it is `full_id`'s under `public_key`.
#[pyfunction]
fn seal_open_key_response<'py>(
    py: Python<'py>,
    reader_secret_key: &[u8],
    c0: &[u8],
    c1: &[u8],
    full_id: &[u8],
    public_key: &[u8],
) -> PyResult<Bound<'py, PyBytes>> {
    let (sk, c0, c1, pk): ([u8; 32], [u8; 48], [u8; 48], [u8; 96]) = (
        array(reader_secret_key, "a reader secret key")?,
        array(c0, "an encrypted key part")?,
        array(c1, "an encrypted key part")?,
        array(public_key, "a key server public key")?,
    );
    let key = py.detach(|| seal::open_key_response(&sk, &c0, &c1, full_id, &pk)).map_err(py_err)?;
    Ok(PyBytes::new(py, &key))
}

/// `(c0, c1)`: the ElGamal encryption in G1 of `message` (a user secret key) to `public_key`.
#[pyfunction]
fn seal_elgamal_encrypt<'py>(
    py: Python<'py>,
    seed: &[u8],
    public_key: &[u8],
    message: &[u8],
) -> PyResult<(Bound<'py, PyBytes>, Bound<'py, PyBytes>)> {
    let (c0, c1) = seal::elgamal_encrypt(
        &array(seed, "the seed")?,
        &array(public_key, "a G1 public key")?,
        &array(message, "a G1 point")?,
    )
    .map_err(py_err)?;
    Ok((PyBytes::new(py, &c0), PyBytes::new(py, &c1)))
}

/// The ElGamal decryption `c1 − sk·c0` with a 32-byte big-endian secret scalar.
#[pyfunction]
fn seal_elgamal_decrypt<'py>(
    py: Python<'py>,
    secret_key: &[u8],
    c0: &[u8],
    c1: &[u8],
) -> PyResult<Bound<'py, PyBytes>> {
    let m = seal::elgamal_decrypt(&array(secret_key, "a secret key")?, &array(c0, "c0")?, &array(c1, "c1")?)
        .map_err(py_err)?;
    Ok(PyBytes::new(py, &m))
}

/// The ElGamal public key (G1, 48 bytes) of a 32-byte big-endian secret scalar.
#[pyfunction]
fn seal_elgamal_public_key<'py>(py: Python<'py>, secret_key: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    Ok(PyBytes::new(py, &seal::elgamal_public_key(&array(secret_key, "a secret key")?).map_err(py_err)?))
}

/// A Seal key server's master key. `repr` does not show the secret.
#[pyclass(frozen, module = "morsa._native", name = "SealMasterKey")]
struct PySealMasterKey(MasterKey);

#[pymethods]
impl PySealMasterKey {
    #[staticmethod]
    fn from_seed(seed: &[u8]) -> PyResult<Self> {
        Ok(Self(MasterKey::from_seed(&array(seed, "the seed")?)))
    }

    #[staticmethod]
    fn from_bytes(secret: &[u8]) -> PyResult<Self> {
        MasterKey::from_bytes(&array(secret, "a master key")?).map(Self).map_err(py_err)
    }

    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.0.to_bytes())
    }

    #[getter]
    fn public_key<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.0.public_key())
    }

    fn user_secret_key<'py>(&self, py: Python<'py>, full_id: &[u8]) -> Bound<'py, PyBytes> {
        let usk = py.detach(|| self.0.user_secret_key(full_id));
        PyBytes::new(py, &usk)
    }

    /// The ElGamal-encrypted user secret key of `full_id` for the reader key `reader_public_key`.
    fn key_response<'py>(
        &self,
        py: Python<'py>,
        full_id: &[u8],
        reader_public_key: &[u8],
        seed: &[u8],
    ) -> PyResult<(Bound<'py, PyBytes>, Bound<'py, PyBytes>)> {
        let (pk, seed): ([u8; 48], [u8; 32]) =
            (array(reader_public_key, "a reader public key")?, array(seed, "the seed")?);
        let (c0, c1) = py.detach(|| seal::key_response(&self.0, full_id, &pk, &seed)).map_err(py_err)?;
        Ok((PyBytes::new(py, &c0), PyBytes::new(py, &c1)))
    }

    fn __repr__(&self) -> String {
        "SealMasterKey(..)".into()
    }
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PySealMasterKey>()?;
    m.add_function(wrap_pyfunction!(seal_encrypt, m)?)?;
    m.add_function(wrap_pyfunction!(seal_decrypt, m)?)?;
    m.add_function(wrap_pyfunction!(seal_verify_user_secret_key, m)?)?;
    m.add_function(wrap_pyfunction!(seal_parse, m)?)?;
    m.add_function(wrap_pyfunction!(seal_parse_blob, m)?)?;
    m.add_function(wrap_pyfunction!(seal_may_be_blob, m)?)?;
    m.add_function(wrap_pyfunction!(seal_encrypt_blob, m)?)?;
    m.add_function(wrap_pyfunction!(seal_decrypt_blob, m)?)?;
    m.add_function(wrap_pyfunction!(seal_reader_secret_key, m)?)?;
    m.add_function(wrap_pyfunction!(seal_open_key_response, m)?)?;
    m.add("SEAL_DEFAULT_CHUNK_LEN", seal::DEFAULT_CHUNK_LEN)?;
    m.add_function(wrap_pyfunction!(seal_elgamal_encrypt, m)?)?;
    m.add_function(wrap_pyfunction!(seal_elgamal_decrypt, m)?)?;
    m.add_function(wrap_pyfunction!(seal_elgamal_public_key, m)?)?;
    Ok(())
}
