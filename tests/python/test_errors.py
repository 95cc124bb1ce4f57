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


# Local files the library reads: a file that cannot be read stays an OSError (as in the rest of
# Python); one that can be read but holds the wrong thing is a MorsaError.


@pytest.mark.parametrize("text", ["zz", "00" * 31, ""])
def test_a_file_that_is_not_a_key_file_is_an_invalid_argument(tmp_path, text):
    from morsa.client import Client
    from morsa.net.accounts import Account

    key = tmp_path / "account.key"
    key.write_text(text)
    with pytest.raises(morsa.InvalidArgumentError, match="not a key file"):
        Account.load(key)
    with pytest.raises(morsa.InvalidArgumentError, match="not a key file"):
        Client("http://127.0.0.1:9", account=str(key))


def test_the_command_reports_a_bad_key_file_in_one_line(run_cli, tmp_path):
    (tmp_path / "bad.key").write_text("not a key\n")
    (tmp_path / "f.txt").write_text("hello\n")
    proc = run_cli("store", "--chain", "http://127.0.0.1:9", "--account", "bad.key", "f.txt", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr == "morsa: error: bad.key: not a key file (64 hex digits)\n"


@pytest.mark.parametrize("text", ["{not json", "[]", "{}", '{"directory": "x", "n_shards": 10, "admin_token": "t", "chain": 5}'])
def test_a_damaged_devnet_state_file_is_a_devnet_error(tmp_path, text):
    from morsa.devnet import STATE_FILE, Devnet

    (tmp_path / STATE_FILE).write_text(text)
    with pytest.raises(morsa.DevnetError, match="not a devnet state file"):
        Devnet.load(tmp_path)


@pytest.mark.parametrize(
    "text",
    [
        "{not json",
        '{"version": 1}',
        '{"version": 1, "n_shards": 10, "files": [{"path": "a"}]}',
        '{"version": 1, "n_shards": 10, "files": [], "quilts": [{"quilt_id": "q", "files": ["a"]}]}',
    ],
)
def test_a_malformed_dataset_manifest_is_a_morsa_error(tmp_path, text):
    from morsa import dataset

    (tmp_path / "manifest.json").write_text(text)
    for load in (dataset.load_manifest, dataset.load_description):
        with pytest.raises(morsa.MorsaError, match="not"):
            load(tmp_path / "manifest.json")
