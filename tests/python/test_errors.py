"""Every error of the native module is a ``morsa.MorsaError`` subclass exported by ``morsa``,
named after its module ``morsa`` (one class per error kind of the Rust core), and the names the
bindings accept (axis, consistency check, certificate kind, reward rules) are parsed by the core
with one error for anything else."""

from __future__ import annotations

import pickle

import pytest

import morsa
from conftest import splitmix64

EXCEPTIONS = [
    "MorsaError",
    "InvalidArgumentError",
    "EncodingError",
    "BlobTooLargeError",
    "InvalidBlobIdError",
    "RangeError",
    "WireFormatError",
    "VerificationError",
    "DecodingError",
    "InconsistentEncodingError",
    "CommitteeError",
    "CertificateError",
    "SignatureError",
    "QuiltError",
    "RewardsError",
]


@pytest.mark.parametrize("name", EXCEPTIONS)
def test_each_exception_is_a_morsa_error_of_module_morsa(name):
    cls = getattr(morsa, name)
    assert issubclass(cls, morsa.MorsaError) and issubclass(cls, ValueError)
    assert cls.__module__ == "morsa", f"{cls!r} prints as {cls.__module__}.{cls.__qualname__}"
    assert name in morsa.__all__
    # Picklable by name (as multiprocessing and concurrent.futures need).
    again = pickle.loads(pickle.dumps(cls("boom")))
    assert type(again) is cls and str(again) == "boom"


def _raised(call):
    with pytest.raises(morsa.MorsaError) as info:
        call()
    return info.value


def test_bad_names_raise_invalid_argument_error_listing_the_names_taken():
    encoded = morsa.encode(splitmix64(3, 500), 10)
    cases = [
        (lambda: morsa.Sliver("row", 0, 2, b"ab"), "'primary' or 'secondary'"),
        (lambda: encoded.sliver("diagonal", 0), "'primary' or 'secondary'"),
        (lambda: morsa.decode(encoded.metadata, encoded.primary_slivers, "sometimes"), "'default', 'strict' or 'skip'"),
        (lambda: morsa.SigningKey(bytes(32)), "seed"),
    ]
    for call, expected in cases:
        error = _raised(call)
        assert type(error) is morsa.InvalidArgumentError, repr(error)
        assert expected in str(error), str(error)
    assert '"sometimes"' in str(_raised(lambda: morsa.decode(encoded.metadata, [], "sometimes")))


def test_out_of_range_indices_are_invalid_arguments():
    config = morsa.EncodingConfig(10)
    with pytest.raises(morsa.InvalidArgumentError, match="out of range"):
        config.sliver_index("primary", 10)
    with pytest.raises(morsa.InvalidArgumentError, match="out of range"):
        morsa.encode(b"x", 10).sliver("primary", 70000)


def test_shard_counts_beyond_u16_are_encoding_errors():
    with pytest.raises(morsa.EncodingError, match="at most"):
        morsa.EncodingConfig(70000)


def test_certificate_kinds_have_the_names_of_every_binding():
    keys = [morsa.SigningKey(bytes([i + 1]) * 32) for i in range(4)]
    committee = morsa.Committee(5, [(k.public_key, [i]) for i, k in enumerate(keys)])
    blob_id = morsa.blob_id(b"certified", n_shards=4)

    def certificate(message):
        builder = morsa.CertificateBuilder(committee, message)
        body = message.to_bytes()
        for i, k in enumerate(keys[:3]):
            builder.add(i, body, k.sign(body))
        return builder.finish()

    confirmation = certificate(morsa.StorageConfirmation(5, blob_id))
    invalid = certificate(morsa.InvalidBlobIdMessage(5, blob_id))
    assert confirmation.verify(committee).kind == "confirmation"
    assert invalid.verify(committee).kind == "invalid_blob"
    assert invalid.verify(committee, "invalid_blob").blob_id == blob_id
    # Asked for as the other kind, the message does not parse.
    with pytest.raises(morsa.WireFormatError):
        confirmation.verify(committee, "invalid_blob")
    with pytest.raises(morsa.InvalidArgumentError, match="'confirmation' or 'invalid_blob'"):
        confirmation.verify(committee, "invalid")


def test_reward_rules_names():
    from morsa import _native

    assert (_native.active_set_size_limit("mainnet"), _native.active_set_size_limit("development")) == (111, 150)
    with pytest.raises(morsa.InvalidArgumentError, match="'mainnet' or 'development'"):
        _native.active_set_size_limit("testnet")


def test_the_encoding_directory_layout_comes_from_one_place(tmp_path):
    from morsa import _native

    data = splitmix64(11, 30_000)
    metadata = morsa.encode_to_directory(data, tmp_path, 7)
    names = sorted(p.name for p in tmp_path.iterdir())
    expected = sorted(_native.sliver_file_name(axis, i) for axis in ("primary", "secondary") for i in range(7))
    assert names == expected
    parsed = sorted(_native.parse_sliver_file_name(name) for name in names)
    assert parsed == sorted((axis, i) for axis in ("primary", "secondary") for i in range(7))
    assert _native.parse_sliver_file_name(_native.METADATA_FILE) is None
    assert _native.parse_sliver_file_name("primary-007.bcs") is None
    slivers = [morsa.Sliver.from_bytes((tmp_path / n).read_bytes(), _native.parse_sliver_file_name(n)[0]) for n in names]
    assert morsa.decode(metadata, slivers, "strict") == data
