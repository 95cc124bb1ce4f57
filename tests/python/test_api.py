"""The Python API of the installed ``morsa`` package: inputs, errors, codecs, decoding, recovery."""

from __future__ import annotations

import array
import contextlib
import functools
import mmap
import random
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import morsa

# The vectors file is the oracle for blob IDs (see conftest.py).
from conftest import (  # noqa: E501
    blob_id_bytes_from_root,
    blob_root,
    config_values,
    load_spec_tables,
    load_vectors,
    merkle_root,
    metadata_bcs,
    read_uleb128,
    splitmix64,
)
from morsa import (
    BlobMetadata,
    BlobTooLargeError,
    DecodingError,
    EncodingConfig,
    EncodingError,
    InconsistencyProof,
    InconsistentEncodingError,
    InvalidBlobIdError,
    MorsaError,
    RangeError,
    RecoverySymbol,
    Sliver,
    VerificationError,
    WireFormatError,
)


def _case(seed: int) -> dict:
    return next(c for c in load_vectors()["cases"] if c["seed"] == seed)


# seed 4: n = 10, 1000 bytes; seed 6: n = 10, empty.
CASE = _case(4)
CASE_DATA = splitmix64(CASE["seed"], CASE["length"])
EMPTY_CASE = _case(6)
assert EMPTY_CASE["length"] == 0 and EMPTY_CASE["n_shards"] == CASE["n_shards"]

N10_MAX_BLOB_SIZE = 1_834_952  # SPEC §1.4


# ------------------------------------------------------------------------------------------
# Input kinds


def _write(tmp_path: Path, data: bytes, name: str = "blob.bin") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@contextlib.contextmanager
def _readonly_mmap(tmp_path: Path, data: bytes):
    path = _write(tmp_path, data, "mapped.bin")
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
        yield m


@contextlib.contextmanager
def _anonymous_mmap(_tmp_path: Path, data: bytes):
    with mmap.mmap(-1, len(data)) as m:
        m.write(data)
        yield m


@contextlib.contextmanager
def _value(obj):
    yield obj


INPUT_KINDS = {
    "bytes": lambda t, d: _value(bytes(d)),
    "bytearray": lambda t, d: _value(bytearray(d)),
    "memoryview": lambda t, d: _value(memoryview(d)),
    "memoryview-bytearray": lambda t, d: _value(memoryview(bytearray(d))),
    "memoryview-slice": lambda t, d: _value(memoryview(b"head" + d + b"tail")[4 : 4 + len(d)]),
    "memoryview-of-slice": lambda t, d: _value(memoryview(memoryview(b"\xff" * 7 + d)[3:])[4:]),
    "memoryview-strided": lambda t, d: _value(memoryview(bytes(b for x in d for b in (x, 0xEE)))[::2]),
    "mmap-readonly": _readonly_mmap,
    "mmap-anonymous": _anonymous_mmap,
    "str-path": lambda t, d: _value(str(_write(t, d))),
    "pathlib-path": lambda t, d: _value(_write(t, d)),
    "array-of-bytes": lambda t, d: _value(array.array("B", d)),
}

FUNCTIONS = {
    "blob_id": lambda x, n: morsa.blob_id(x, n),
    "compute_metadata": lambda x, n: morsa.compute_metadata(x, n).blob_id,
    "encode": lambda x, n: morsa.encode(x, n).blob_id,
}


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
@pytest.mark.parametrize("kind", sorted(INPUT_KINDS))
def test_input_kinds_give_the_same_blob_id(kind, function, tmp_path):
    with INPUT_KINDS[kind](tmp_path, CASE_DATA) as obj:
        assert FUNCTIONS[function](obj, CASE["n_shards"]) == CASE["blob_id"]


@pytest.mark.parametrize("kind", sorted(INPUT_KINDS))
def test_verify_accepts_every_input_kind(kind, tmp_path):
    with INPUT_KINDS[kind](tmp_path, CASE_DATA) as obj:
        assert morsa.verify(obj, CASE["blob_id"], CASE["n_shards"]) is True
        assert morsa.verify(obj, EMPTY_CASE["blob_id"], CASE["n_shards"]) is False


@pytest.mark.parametrize("kind", ["bytes", "bytearray", "memoryview", "str-path", "pathlib-path"])
def test_empty_input(kind, tmp_path):
    with INPUT_KINDS[kind](tmp_path, b"") as obj:
        assert morsa.blob_id(obj, 10) == EMPTY_CASE["blob_id"]
        assert morsa.verify(obj, EMPTY_CASE["blob_id"], 10)
        assert morsa.compute_metadata(obj, 10).unencoded_length == 0
        assert morsa.encode(obj, 10).blob_id == EMPTY_CASE["blob_id"]


def test_empty_file_and_empty_mmap_slice(tmp_path):
    path = _write(tmp_path, b"", "empty")
    assert morsa.blob_id(path, 10) == EMPTY_CASE["blob_id"]
    assert morsa.blob_id(memoryview(b"abc")[1:1], 10) == EMPTY_CASE["blob_id"]


def test_verify_false_for_other_data():
    changed = bytearray(CASE_DATA)
    changed[-1] ^= 1
    assert morsa.verify(bytes(changed), CASE["blob_id"], 10) is False
    # and for other shard counts
    assert morsa.verify(CASE_DATA, CASE["blob_id"], 13) is False


def test_default_shard_count_is_mainnet():
    assert morsa.MAINNET_N_SHARDS == 1000
    upstream = next(c for c in load_vectors()["upstream"] if c.get("ascii") == "some other string")
    assert morsa.blob_id(upstream["ascii"].encode()) == upstream["blob_id"]


def test_open_data_yields_the_bytes(tmp_path):
    path = _write(tmp_path, CASE_DATA)
    with morsa.open_data(path) as data:
        assert bytes(data) == CASE_DATA
    with morsa.open_data(_write(tmp_path, b"", "empty")) as data:
        assert bytes(data) == b""


@pytest.mark.parametrize("function", ["blob_id", "compute_metadata", "encode", "verify"])
def test_missing_path_raises_oserror(function, tmp_path):
    missing = str(tmp_path / "does-not-exist")
    args = (missing, CASE["blob_id"], 10) if function == "verify" else (missing, 10)
    with pytest.raises(FileNotFoundError):
        getattr(morsa, function)(*args)
    # A str is always a path, never text to hash.
    with pytest.raises(OSError):
        getattr(morsa, function)(*(("some text, not the name of a file",) + args[1:]))


def test_directory_path_raises_oserror(tmp_path):
    with pytest.raises(OSError):
        morsa.blob_id(tmp_path, 10)


@pytest.mark.parametrize("bad", [42, 3.5, None, [1, 2, 3], object()], ids=lambda b: type(b).__name__)
@pytest.mark.parametrize("function", ["blob_id", "compute_metadata", "encode", "verify"])
def test_non_bytes_raise_type_error(function, bad):
    args = (bad, CASE["blob_id"], 10) if function == "verify" else (bad, 10)
    with pytest.raises(TypeError):
        getattr(morsa, function)(*args)


# ------------------------------------------------------------------------------------------
# Error types


def test_error_hierarchy():
    assert issubclass(MorsaError, ValueError)
    for cls in (EncodingError, InvalidBlobIdError, RangeError, WireFormatError, VerificationError, DecodingError):
        assert issubclass(cls, MorsaError)
    assert issubclass(BlobTooLargeError, EncodingError)
    assert issubclass(InconsistentEncodingError, DecodingError)
    assert not issubclass(WireFormatError, VerificationError)


@pytest.mark.parametrize("n", [-1, 0, 1, 2, 3, 49156, 65535, 65536, 1 << 20, 1 << 32, 1 << 70])
@pytest.mark.parametrize(
    "function",
    [
        "EncodingConfig",
        "blob_id",
        "compute_metadata",
        "encode",
        "verify",
        "BlobMetadata.from_bytes",
        "Sliver.pair_index",
        "Sliver.recovery_symbols",
        "shard_index_for_pair",
        "pair_index_for_shard",
    ],
)
def test_bad_shard_counts(function, n):
    assert morsa.MIN_SHARDS == 4 and morsa.MAX_SHARDS == 49155
    encoded = _encoded(CASE["seed"], CASE["length"], 10)
    calls = {
        "EncodingConfig": lambda: EncodingConfig(n),
        "verify": lambda: morsa.verify(b"abc", CASE["blob_id"], n),
        "blob_id": lambda: morsa.blob_id(b"abc", n),
        "compute_metadata": lambda: morsa.compute_metadata(b"abc", n),
        "encode": lambda: morsa.encode(b"abc", n),
        "BlobMetadata.from_bytes": lambda: BlobMetadata.from_bytes(encoded.metadata.to_bytes(), n),
        "Sliver.pair_index": lambda: encoded.primary_slivers[0].pair_index(n),
        "Sliver.recovery_symbols": lambda: encoded.primary_slivers[0].recovery_symbols([0], n),
        "shard_index_for_pair": lambda: morsa.shard_index_for_pair(CASE["blob_id"], n, 0),
        "pair_index_for_shard": lambda: morsa.pair_index_for_shard(CASE["blob_id"], n, 0),
    }
    with pytest.raises(EncodingError) as info:
        calls[function]()
    assert not isinstance(info.value, BlobTooLargeError)
    assert str(n) in str(info.value)


def test_shard_count_limits_are_usable():
    assert EncodingConfig(morsa.MIN_SHARDS).n_shards == 4
    assert EncodingConfig(morsa.MAX_SHARDS).n_shards == 49155
    assert morsa.is_blob_id(morsa.blob_id(b"x", 4))


@pytest.mark.parametrize("function", ["blob_id", "compute_metadata", "encode"])
def test_blob_too_large(function):
    config = EncodingConfig(10)
    assert config.max_blob_size == N10_MAX_BLOB_SIZE
    with pytest.raises(BlobTooLargeError) as info:
        getattr(morsa, function)(bytes(N10_MAX_BLOB_SIZE + 1), 10)
    assert isinstance(info.value, EncodingError) and isinstance(info.value, ValueError)
    assert str(N10_MAX_BLOB_SIZE) in str(info.value)
    with pytest.raises(BlobTooLargeError):
        config.symbol_size(N10_MAX_BLOB_SIZE + 1)
    with pytest.raises(BlobTooLargeError):
        config.encoded_blob_length(N10_MAX_BLOB_SIZE + 1)


def test_largest_blob_fits():
    metadata = morsa.compute_metadata(bytes(N10_MAX_BLOB_SIZE), 10)
    assert metadata.unencoded_length == N10_MAX_BLOB_SIZE
    assert metadata.symbol_size == 65534  # SPEC §1.3: the largest symbol size


def _bad_blob_ids() -> dict[str, str]:
    good = "RcU82Mwf-CFkv1LaI_2qcpANwpGUuG3TMwnVzZxD2kY"  # SPEC §17.1 vector 1
    assert "-" in good and "_" in good
    return {
        "padded": good + "=",
        "too-short": good[:-1],
        "too-long": good + "A",
        "standard-alphabet": good.replace("-", "+").replace("_", "/"),
        "empty": "",
        "space": good[:-1] + " ",
        "non-ascii": good[:-1] + "é",
        "non-canonical-trailing-bits": good[:-1] + "Z",
        "hex": "45c53cd8cc1ff82164bf52da23fdaa72900dc29194b86dd33309d5cd9c43da46",
        "2^256-decimal": "115792089237316195423570985008687907853269984665640564039457584007913129639936",
    }


@pytest.mark.parametrize("bad", list(_bad_blob_ids().values()), ids=list(_bad_blob_ids()))
def test_invalid_blob_ids(bad):
    assert morsa.is_blob_id(bad) is False
    with pytest.raises(InvalidBlobIdError):
        morsa.verify(b"walrus blob id v1 regression test", bad, 10)
    with pytest.raises(InvalidBlobIdError):
        morsa.shard_index_for_pair(bad, 10, 0)
    with pytest.raises(InvalidBlobIdError):
        morsa.pair_index_for_shard(bad, 10, 0)


def test_valid_blob_id_is_accepted():
    assert morsa.is_blob_id("RcU82Mwf-CFkv1LaI_2qcpANwpGUuG3TMwnVzZxD2kY")
    assert morsa.verify(b"walrus blob id v1 regression test", "RcU82Mwf-CFkv1LaI_2qcpANwpGUuG3TMwnVzZxD2kY", 10)


# ------------------------------------------------------------------------------------------
# EncodingConfig (SPEC §1)

SPEC_1_2_TABLE = [(r["n_shards"], r["f"], r["p"], r["s"]) for r in load_spec_tables()["source_symbols"]]


@pytest.mark.parametrize(("n", "f", "p", "s"), SPEC_1_2_TABLE)
def test_encoding_config_table(n, f, p, s):
    config = EncodingConfig(n)
    assert config.n_shards == n
    assert config.max_faulty == f
    assert config.n_primary_source_symbols == p
    assert config.n_secondary_source_symbols == s
    assert config.max_blob_size == p * s * 65534
    assert config == EncodingConfig(n) and hash(config) == hash(EncodingConfig(n))
    assert config != EncodingConfig(n + 1)
    assert f"n_shards={n}" in repr(config)


def test_max_blob_size_values():
    assert EncodingConfig(1000).max_blob_size == 14_599_533_452
    assert EncodingConfig(10).max_blob_size == 1_834_952
    assert EncodingConfig().n_shards == 1000


@pytest.mark.parametrize("n", [4, 5, 7, 10, 13, 100, 1000, 49155])
def test_symbol_and_sliver_sizes_follow_the_formula(n):
    f, p, s = config_values(n)
    config = EncodingConfig(n)
    rng = random.Random(n)
    for length in [0, 1, 2, p * s, p * s + 1, 2 * p * s, 2 * p * s + 1, *(rng.randrange(10**7) for _ in range(20))]:
        if length > config.max_blob_size:
            continue
        expected = -(-max(length, 1) // (p * s))
        expected += expected % 2
        assert config.symbol_size(length) == expected
        assert config.sliver_size("primary", length) == s * expected
        assert config.sliver_size("secondary", length) == p * expected
        metadata_length = n * 32 * 2 + 32
        assert config.encoded_blob_length(length) == n * metadata_length + n * (p + s) * expected


@pytest.mark.parametrize("row", load_spec_tables()["encoded_lengths"], ids=lambda r: f"n{r['n_shards']}-{r['blob_size']}")
def test_encoded_length_vectors(row):
    """SPEC §1.4."""
    assert EncodingConfig(row["n_shards"]).encoded_blob_length(row["blob_size"]) == row["encoded_length"]


def test_sliver_size_rejects_bad_axis():
    with pytest.raises(ValueError):
        EncodingConfig(10).sliver_size("diagonal", 10)


# ------------------------------------------------------------------------------------------
# BlobMetadata


@functools.cache
def _encoded(seed: int, length: int, n: int) -> morsa.EncodedBlob:
    return morsa.encode(splitmix64(seed, length), n)


def test_metadata_roundtrip_and_layout():
    encoded = _encoded(CASE["seed"], CASE["length"], 10)
    metadata = encoded.metadata
    raw = metadata.to_bytes()
    # SPEC §5.5: blob_id(32) | 0x00 | 0x01 | u64 len | ULEB(n) | n × (0x01 ‖ 32B, 0x01 ‖ 32B)
    assert len(raw) == 32 + 1 + 1 + 8 + 1 + 10 * 66
    assert raw[:32] == metadata.blob_id_bytes
    assert raw[32:34] == b"\x00\x01"
    assert int.from_bytes(raw[34:42], "little") == CASE["length"]
    assert raw[42] == 10
    assert metadata.metadata_bytes() == raw[32:]
    assert raw == metadata_bcs(metadata.blob_id_bytes, CASE["length"], metadata.pair_hashes())

    parsed = BlobMetadata.from_bytes(raw)
    assert parsed == metadata
    assert parsed.to_bytes() == raw
    assert parsed.blob_id == CASE["blob_id"]
    assert parsed.n_shards == 10
    assert parsed.symbol_size == CASE["symbol_size"]
    assert parsed.encoding_type == "RS2"
    assert parsed.config == EncodingConfig(10)
    assert BlobMetadata.from_bytes(raw, 10) == metadata
    assert BlobMetadata.from_bytes(bytearray(raw)) == metadata
    assert BlobMetadata.from_bytes(memoryview(raw)) == metadata
    assert CASE["blob_id"] in repr(parsed)


def test_metadata_size_for_mainnet():
    raw = morsa.compute_metadata(b"x").to_bytes()
    assert len(raw) == 66_044  # SPEC §5.5


def test_metadata_shard_mapping_matches_functions():
    metadata = _encoded(CASE["seed"], CASE["length"], 10).metadata
    shards = [metadata.shard_for_pair(i) for i in range(10)]
    assert sorted(shards) == list(range(10))
    offset = int.from_bytes(metadata.blob_id_bytes, "big") % 10  # SPEC §4.2
    for pair, shard in enumerate(shards):
        assert shard == (pair + offset) % 10
        assert metadata.pair_for_shard(shard) == pair
        assert morsa.shard_index_for_pair(metadata.blob_id, 10, pair) == shard
        assert morsa.pair_index_for_shard(metadata.blob_id, 10, shard) == pair
    with pytest.raises(ValueError):
        metadata.shard_for_pair(10)


def test_metadata_truncated_is_wire_format_error():
    raw = _encoded(CASE["seed"], CASE["length"], 10).metadata.to_bytes()
    for cut in [0, 1, 31, 32, 33, 34, 41, 42, 43, 44, 100, len(raw) - 33, len(raw) - 1]:
        with pytest.raises(WireFormatError):
            BlobMetadata.from_bytes(raw[:cut])
    with pytest.raises(WireFormatError):
        BlobMetadata.from_bytes(raw + b"\x00")


def test_metadata_encoding_type_zero_is_wire_format_error():
    raw = bytearray(_encoded(CASE["seed"], CASE["length"], 10).metadata.to_bytes())
    assert raw[33] == 1
    for value in (0, 2, 255):
        raw[33] = value
        with pytest.raises(WireFormatError):
            BlobMetadata.from_bytes(bytes(raw))


def test_metadata_bad_variant_and_node_tags():
    raw = _encoded(CASE["seed"], CASE["length"], 10).metadata.to_bytes()
    for offset, value in [(32, 1), (43, 0), (43, 2), (43 + 33, 5)]:
        bad = bytearray(raw)
        bad[offset] = value
        with pytest.raises(WireFormatError):
            BlobMetadata.from_bytes(bytes(bad))


@pytest.mark.parametrize("offset", [0, 31, 34, 41, 44, 44 + 31, 44 + 33, len(_encoded(4, 1000, 10).metadata.to_bytes()) - 1])
def test_metadata_flipped_byte_is_verification_error(offset):
    raw = bytearray(_encoded(CASE["seed"], CASE["length"], 10).metadata.to_bytes())
    raw[offset] ^= 0x01
    with pytest.raises(VerificationError):
        BlobMetadata.from_bytes(bytes(raw))


def test_metadata_length_over_the_limit_is_verification_error():
    metadata = _encoded(CASE["seed"], CASE["length"], 10).metadata
    length = N10_MAX_BLOB_SIZE + 1
    hashes = metadata.pair_hashes()
    # a blob ID that matches, so that only the size limit is wrong
    raw = metadata_bcs(blob_id_bytes_from_root(length, blob_root(hashes)), length, hashes)
    with pytest.raises(VerificationError):
        BlobMetadata.from_bytes(raw)
    ok = metadata_bcs(blob_id_bytes_from_root(length - 1, blob_root(hashes)), length - 1, hashes)
    assert BlobMetadata.from_bytes(ok).unencoded_length == length - 1


@pytest.mark.parametrize("n", [4, 9, 11, 1000])
def test_metadata_wrong_shard_count_is_verification_error(n):
    raw = _encoded(CASE["seed"], CASE["length"], 10).metadata.to_bytes()
    with pytest.raises(VerificationError):
        BlobMetadata.from_bytes(raw, n)


def test_metadata_impossible_shard_count_is_encoding_error():
    raw = _encoded(CASE["seed"], CASE["length"], 10).metadata.to_bytes()
    with pytest.raises(EncodingError):
        BlobMetadata.from_bytes(raw, 3)


# ------------------------------------------------------------------------------------------
# Slivers


def test_encoded_blob_shape():
    n = 10
    encoded = _encoded(CASE["seed"], CASE["length"], n)
    f, p, s = config_values(n)
    S = CASE["symbol_size"]
    assert encoded.n_shards == n and encoded.symbol_size == S
    assert [x.index for x in encoded.primary_slivers] == list(range(n))
    assert [x.index for x in encoded.secondary_slivers] == list(range(n))
    assert all(x.axis == "primary" and len(x.data) == s * S for x in encoded.primary_slivers)
    assert all(x.axis == "secondary" and len(x.data) == p * S for x in encoded.secondary_slivers)
    # SPEC §3.1/§3.3: systematic primary slivers are the rows of the zero-padded blob
    padded = CASE_DATA + bytes(p * s * S - len(CASE_DATA))
    for i in range(p):
        assert encoded.primary_slivers[i].data == padded[i * s * S : (i + 1) * s * S]
    # and systematic secondary slivers its columns
    for j in range(s):
        column = b"".join(padded[(r * s + j) * S : (r * s + j + 1) * S] for r in range(p))
        assert encoded.secondary_slivers[j].data == column
    with pytest.raises(ValueError):
        encoded.sliver("primary", n)
    with pytest.raises(ValueError):
        encoded.sliver_pair(n)
    with pytest.raises(ValueError):
        encoded.sliver("tertiary", 0)


def test_sliver_hashes_are_merkle_roots_of_expansions():
    """SPEC §5.2, with the expansions taken from the recovery symbols."""
    n = 7
    encoded = _encoded(21, 300, n)
    hashes = encoded.metadata.pair_hashes()
    for i in range(n):
        primary, secondary = encoded.sliver_pair(i)
        row = primary.recovery_symbols(list(range(n)), n)
        column = secondary.recovery_symbols(list(range(n)), n)
        assert merkle_root([x.data for x in row]) == hashes[i][0]
        assert merkle_root([x.data for x in column]) == hashes[i][1]


def test_sliver_roundtrip_and_constructor():
    encoded = _encoded(CASE["seed"], CASE["length"], 10)
    for sliver in encoded.primary_slivers + encoded.secondary_slivers:
        raw = sliver.to_bytes()
        parsed = Sliver.from_bytes(raw, sliver.axis)
        assert parsed == sliver and parsed.to_bytes() == raw
        rebuilt = Sliver(sliver.axis, sliver.index, sliver.symbol_size, sliver.data)
        assert rebuilt == sliver
        rebuilt.verify(encoded.metadata)
        # SPEC §6: ULEB128(len) ‖ data ‖ symbol_size u16 LE ‖ index u16 LE
        length, pos = read_uleb128(raw, 0)
        assert length == len(sliver.data) and raw[pos : pos + length] == sliver.data
        assert raw[pos + length :] == sliver.symbol_size.to_bytes(2, "little") + sliver.index.to_bytes(2, "little")
    with pytest.raises(ValueError):
        Sliver("primary", 0, 0, b"")
    with pytest.raises(ValueError):
        Sliver("sideways", 0, 2, b"")
    with pytest.raises(ValueError):
        Sliver.from_bytes(encoded.primary_slivers[0].to_bytes(), "sideways")


def test_sliver_wire_errors():
    raw = _encoded(CASE["seed"], CASE["length"], 10).primary_slivers[3].to_bytes()
    for cut in range(0, len(raw), 37):
        with pytest.raises(WireFormatError):
            Sliver.from_bytes(raw[:cut], "primary")
    with pytest.raises(WireFormatError):
        Sliver.from_bytes(raw[:-1], "primary")
    with pytest.raises(WireFormatError):
        Sliver.from_bytes(raw + b"\x00", "primary")
    zero_symbol_size = raw[:-4] + b"\x00\x00" + raw[-2:]
    with pytest.raises(WireFormatError):
        Sliver.from_bytes(zero_symbol_size, "primary")


def _wrong_slivers(encoded: morsa.EncodedBlob, other: morsa.EncodedBlob) -> dict[str, Sliver]:
    n = encoded.n_shards
    p0 = encoded.primary_slivers[0]
    s0 = encoded.secondary_slivers[0]
    flipped = bytearray(p0.data)
    flipped[len(flipped) // 2] ^= 0x40
    flipped_s = bytearray(s0.data)
    flipped_s[0] ^= 0x01
    return {
        "flipped-primary": Sliver("primary", 0, p0.symbol_size, bytes(flipped)),
        "flipped-secondary": Sliver("secondary", 0, s0.symbol_size, bytes(flipped_s)),
        "wrong-index": Sliver("primary", 1, p0.symbol_size, p0.data),
        "index-out-of-range": Sliver("primary", n, p0.symbol_size, p0.data),
        "wrong-symbol-size": Sliver("primary", 0, p0.symbol_size + 2, p0.data),
        "truncated": Sliver("primary", 0, p0.symbol_size, p0.data[: -p0.symbol_size]),
        "extended": Sliver("primary", 0, p0.symbol_size, p0.data + bytes(p0.symbol_size)),
        "wrong-axis": Sliver("secondary", 0, p0.symbol_size, p0.data),
        "other-blob": other.primary_slivers[0],
    }


WRONG_SLIVERS = [
    "flipped-primary",
    "flipped-secondary",
    "wrong-index",
    "index-out-of-range",
    "wrong-symbol-size",
    "truncated",
    "extended",
    "wrong-axis",
    "other-blob",
]


@pytest.mark.parametrize("kind", WRONG_SLIVERS)
def test_sliver_verify_rejects_wrong_slivers(kind):
    encoded = _encoded(CASE["seed"], CASE["length"], 10)
    other = _encoded(99, CASE["length"], 10)
    assert other.symbol_size == encoded.symbol_size
    wrong = _wrong_slivers(encoded, other)
    assert sorted(wrong) == sorted(WRONG_SLIVERS)
    with pytest.raises(VerificationError):
        wrong[kind].verify(encoded.metadata)


def test_sliver_verify_accepts_the_right_metadata_only():
    encoded = _encoded(CASE["seed"], CASE["length"], 10)
    other = _encoded(99, CASE["length"], 10)
    for sliver in encoded.primary_slivers + encoded.secondary_slivers:
        sliver.verify(encoded.metadata)
        with pytest.raises(VerificationError):
            sliver.verify(other.metadata)


def test_sliver_pair_index():
    n = 10
    encoded = _encoded(CASE["seed"], CASE["length"], n)
    for j, sliver in enumerate(encoded.secondary_slivers):
        assert sliver.pair_index(n) == n - 1 - j
    for i, sliver in enumerate(encoded.primary_slivers):
        assert sliver.pair_index(n) == i
    with pytest.raises(VerificationError):
        Sliver("primary", 10, 2, b"").pair_index(10)


# ------------------------------------------------------------------------------------------
# Byte ranges (SPEC §3.1)


def _range_from_slivers(encoded: morsa.EncodedBlob, start: int, length: int) -> bytes:
    first, end, offset = encoded.metadata.primary_slivers_for_range(start, length)
    p = encoded.metadata.config.n_primary_source_symbols
    sliver_bytes = encoded.metadata.config.sliver_size("primary", encoded.metadata.unencoded_length)
    assert 0 <= first < end <= p
    assert 0 <= offset < sliver_bytes
    assert first * sliver_bytes + offset == start
    assert (start + length - 1) // sliver_bytes == end - 1  # no sliver more than needed
    joined = b"".join(encoded.sliver("primary", i).data for i in range(first, end))
    return joined[offset : offset + length]


@pytest.mark.parametrize("n", [10, 100])
@pytest.mark.parametrize("size", ["one", "rows-1", "rows", "rows+1", "random"])
def test_primary_slivers_for_range_hold_the_range(n, size):
    f, p, s = config_values(n)
    rng = random.Random(n * 7919 + len(size))
    length = {
        "one": 1,
        "rows-1": p * s * 4 - 1,
        "rows": p * s * 4,
        "rows+1": p * s * 4 + 1,
        "random": rng.randrange(1, 40_000),
    }[size]
    data = splitmix64(2000 + n + length, length)
    encoded = morsa.encode(data, n)
    symbol = encoded.symbol_size
    row = s * symbol
    starts = {0, 1, symbol - 1, symbol, symbol + 1, row - 1, row, row + 1, length - 1}
    ranges = [(a, b) for a in sorted(starts) if 0 <= a < length for b in (1, 2, symbol, row, length - a) if a + b <= length]
    ranges += [(0, length), (length - 1, 1)]
    for _ in range(200):
        start = rng.randrange(length)
        ranges.append((start, rng.randrange(1, length - start + 1)))
    for start, count in ranges:
        assert _range_from_slivers(encoded, start, count) == data[start : start + count], (start, count)


def test_primary_slivers_for_range_boundaries():
    # n = 10: p = 4, s = 7; 163 bytes give S = 6, so a primary sliver is 42 bytes and the last
    # row holds 163 - 3 * 42 = 37 bytes.
    metadata = morsa.compute_metadata(splitmix64(9, 163), 10)
    assert metadata.symbol_size == 6
    table = {
        (0, 1): (0, 1, 0),
        (5, 1): (0, 1, 5),
        (6, 1): (0, 1, 6),
        (41, 1): (0, 1, 41),
        (42, 1): (1, 2, 0),
        (41, 2): (0, 2, 41),
        (0, 42): (0, 1, 0),
        (0, 43): (0, 2, 0),
        (126, 37): (3, 4, 0),
        (130, 20): (3, 4, 4),
        (162, 1): (3, 4, 36),
        (0, 163): (0, 4, 0),
    }
    for (start, length), expected in table.items():
        assert metadata.primary_slivers_for_range(start, length) == expected, (start, length)


def test_primary_slivers_for_range_errors():
    metadata = morsa.compute_metadata(splitmix64(9, 163), 10)
    bad = [
        (0, 0),  # empty: Walrus's byte-range requires length > 0
        (163, 0),
        (0, 164),
        (163, 1),
        (162, 2),
        (1 << 63, 1 << 63),  # start + length overflows 64 bits
        ((1 << 64) - 1, 2),
        (-1, 1),
        (0, -1),
        (1 << 64, 1),
        (0, 1 << 70),
    ]
    for start, length in bad:
        with pytest.raises(RangeError):
            metadata.primary_slivers_for_range(start, length)
    with pytest.raises(RangeError, match="164"):
        metadata.primary_slivers_for_range(0, 164)
    with pytest.raises(RangeError, match="start"):
        metadata.primary_slivers_for_range(-5, 1)
    with pytest.raises(MorsaError):
        metadata.primary_slivers_for_range(0, 0)
    with pytest.raises(ValueError):
        metadata.primary_slivers_for_range(200, 1)
    empty = morsa.compute_metadata(b"", 10)
    for start, length in [(0, 0), (0, 1), (1, 1)]:
        with pytest.raises(RangeError):
            empty.primary_slivers_for_range(start, length)
    with pytest.raises(TypeError):
        metadata.primary_slivers_for_range("0", 1)


# ------------------------------------------------------------------------------------------
# Decoding


@pytest.mark.parametrize("n", [4, 5, 7, 10, 13])
@pytest.mark.parametrize("length", [0, 1, 33, 1000, 20000])
def test_decode_from_random_subsets(n, length):
    data = splitmix64(1000 + n, length)
    encoded = morsa.encode(data, n)
    metadata = encoded.metadata
    f, p, s = config_values(n)
    rng = random.Random(n * 100003 + length)
    for check in ("default", "strict", "skip"):
        primaries = rng.sample(encoded.primary_slivers, p)
        assert morsa.decode(metadata, primaries, check) == data
        secondaries = rng.sample(encoded.secondary_slivers, s)
        assert morsa.decode(metadata, secondaries, check) == data
        # one axis too few and the other enough
        mixed = rng.sample(encoded.primary_slivers, p - 1) + rng.sample(encoded.secondary_slivers, s)
        rng.shuffle(mixed)
        assert morsa.decode(metadata, iter(mixed), check) == data
    assert morsa.decode(metadata, encoded.primary_slivers) == data  # default check, all slivers
    with pytest.raises(DecodingError) as info:
        morsa.decode(metadata, rng.sample(encoded.primary_slivers, p - 1))
    assert not isinstance(info.value, InconsistentEncodingError)
    with pytest.raises(DecodingError):
        morsa.decode(metadata, rng.sample(encoded.secondary_slivers, s - 1))
    with pytest.raises(DecodingError):
        morsa.decode(metadata, rng.sample(encoded.primary_slivers, p - 1) + rng.sample(encoded.secondary_slivers, s - 1))
    with pytest.raises(DecodingError):
        morsa.decode(metadata, [])


def test_decode_duplicates_do_not_count():
    n = 10
    encoded = _encoded(CASE["seed"], CASE["length"], n)
    f, p, s = config_values(n)
    one = encoded.primary_slivers[5]
    with pytest.raises(DecodingError):
        morsa.decode(encoded.metadata, [one] * (p + 3))
    assert morsa.decode(encoded.metadata, [one] * 3 + encoded.primary_slivers[6 : 6 + p - 1]) == CASE_DATA


def test_decode_skips_corrupted_slivers():
    n = 10
    encoded = _encoded(CASE["seed"], CASE["length"], n)
    other = _encoded(99, CASE["length"], n)
    f, p, s = config_values(n)
    wrong = list(_wrong_slivers(encoded, other).values())
    good = encoded.primary_slivers[1 : 1 + p]  # does not include sliver 0, which is corrupted above
    assert morsa.decode(encoded.metadata, wrong + good, "strict") == CASE_DATA
    with pytest.raises(DecodingError):
        morsa.decode(encoded.metadata, wrong + good[:-1])
    good_s = encoded.secondary_slivers[1 : 1 + s]
    assert morsa.decode(encoded.metadata, wrong + good_s, "default") == CASE_DATA


def test_decode_reports_each_skipped_sliver():
    n = 10
    encoded = _encoded(CASE["seed"], CASE["length"], n)
    other = _encoded(99, CASE["length"], n)
    f, p, s = config_values(n)
    wrong = list(_wrong_slivers(encoded, other).values())
    reports = []
    data = morsa.decode(
        encoded.metadata,
        wrong + encoded.primary_slivers[1 : 1 + p],
        on_invalid=lambda sliver, reason: reports.append((sliver, reason)),
    )
    assert data == CASE_DATA
    assert [sliver for sliver, _ in reports] == wrong
    assert all(isinstance(reason, str) and reason for _, reason in reports)


def test_decode_on_invalid_exceptions_propagate():
    encoded = _encoded(CASE["seed"], CASE["length"], 10)
    other = _encoded(99, CASE["length"], 10)

    def boom(sliver, reason):
        raise RuntimeError("stop")

    with pytest.raises(RuntimeError, match="stop"):
        morsa.decode(encoded.metadata, other.primary_slivers, on_invalid=boom)


def test_decode_argument_errors():
    encoded = _encoded(CASE["seed"], CASE["length"], 10)
    with pytest.raises(ValueError):
        morsa.decode(encoded.metadata, encoded.primary_slivers, "sometimes")
    with pytest.raises(TypeError):
        morsa.decode(encoded.metadata, [b"not a sliver"])
    with pytest.raises(TypeError):
        morsa.decode(encoded.metadata, 42)


def test_decode_stops_reading_when_enough_primary_slivers():
    encoded = _encoded(CASE["seed"], CASE["length"], 10)
    f, p, s = config_values(10)
    taken = []

    def slivers():
        for sliver in encoded.primary_slivers:
            taken.append(sliver.index)
            yield sliver

    assert morsa.decode(encoded.metadata, slivers()) == CASE_DATA
    assert len(taken) == p


def test_decode_propagates_iterator_errors():
    encoded = _encoded(CASE["seed"], CASE["length"], 10)

    class Boom(Exception):
        pass

    def slivers():
        yield encoded.primary_slivers[0]
        raise Boom

    with pytest.raises(Boom):
        morsa.decode(encoded.metadata, slivers())


# ------------------------------------------------------------------------------------------
# Recovery symbols (SPEC §8)


def _symbol_data_offset(raw: bytes) -> int:
    """Offset of the symbol data in a GeneralRecoverySymbol: tag(1) index(2) ULEB(len) data."""
    _, pos = read_uleb128(raw, 3)
    return pos


def test_recover_every_sliver_on_both_axes():
    n = 7
    f, p, s = config_values(n)
    encoded = _encoded(7, 300, n)
    metadata = encoded.metadata
    S = encoded.symbol_size
    rng = random.Random(7)
    # every symbol of the expanded matrix, by source
    from_secondary = {j: sl.recovery_symbols(list(range(n)), n) for j, sl in enumerate(encoded.secondary_slivers)}
    from_primary = {i: sl.recovery_symbols(list(range(n)), n) for i, sl in enumerate(encoded.primary_slivers)}

    for i in range(n):
        sources = rng.sample(range(n), s)
        symbols = [from_secondary[j][i] for j in sources]
        for j, sym in zip(sources, symbols):
            assert (sym.target_axis, sym.target_index, sym.source_index) == ("primary", i, j)
            assert sym.symbol_id == (i, j)
            assert len(sym.data) == S
            sym.verify(metadata)
        recovered = morsa.recover_sliver(metadata, "primary", i, symbols)
        assert recovered == encoded.primary_slivers[i]
        recovered.verify(metadata)
        with pytest.raises(DecodingError):
            morsa.recover_sliver(metadata, "primary", i, symbols[:-1])

    for j in range(n):
        sources = rng.sample(range(n), p)
        symbols = [from_primary[i][j] for i in sources]
        for i, sym in zip(sources, symbols):
            assert (sym.target_axis, sym.target_index, sym.source_index) == ("secondary", j, i)
            assert sym.symbol_id == (i, j)
            sym.verify(metadata)
        recovered = morsa.recover_sliver(metadata, "secondary", j, symbols)
        assert recovered == encoded.secondary_slivers[j]
        with pytest.raises(DecodingError):
            morsa.recover_sliver(metadata, "secondary", j, symbols[:-1])

    # The expanded matrix is the same whichever axis it is read from (SPEC §3.2).
    for i in range(n):
        for j in range(n):
            assert from_secondary[j][i].data == from_primary[i][j].data


def test_recovery_symbol_roundtrip_and_verify():
    n = 7
    encoded = _encoded(7, 300, n)
    other = _encoded(8, 300, n)
    metadata = encoded.metadata
    for sliver in (encoded.primary_slivers[2], encoded.secondary_slivers[5]):
        for sym in sliver.recovery_symbols(list(range(n)), n):
            raw = sym.to_bytes()
            parsed = RecoverySymbol.from_bytes(raw)
            assert parsed.to_bytes() == raw
            assert (parsed.target_axis, parsed.target_index, parsed.source_index, parsed.data, parsed.symbol_id) == (
                sym.target_axis,
                sym.target_index,
                sym.source_index,
                sym.data,
                sym.symbol_id,
            )
            assert raw[0] == (0 if sym.target_axis == "primary" else 1)  # SPEC §8.3 ByAxis tag
            assert int.from_bytes(raw[1:3], "little") == sym.source_index
            parsed.verify(metadata)
            with pytest.raises(VerificationError):
                parsed.verify(other.metadata)
            bad = bytearray(raw)
            bad[_symbol_data_offset(raw)] ^= 0x80
            with pytest.raises(VerificationError):
                RecoverySymbol.from_bytes(bytes(bad)).verify(metadata)
    with pytest.raises(WireFormatError):
        RecoverySymbol.from_bytes(b"")
    with pytest.raises(WireFormatError):
        RecoverySymbol.from_bytes(b"\x02" + bytes(40))
    with pytest.raises(ValueError):
        encoded.primary_slivers[0].recovery_symbols([n], n)


def test_recover_skips_invalid_symbols():
    n = 7
    f, p, s = config_values(n)
    encoded = _encoded(7, 300, n)
    metadata = encoded.metadata
    symbols = [sl.recovery_symbols([3], n)[0] for sl in encoded.secondary_slivers]
    raw = symbols[0].to_bytes()
    bad = bytearray(raw)
    bad[_symbol_data_offset(raw)] ^= 0x01
    corrupted = RecoverySymbol.from_bytes(bytes(bad))
    assert morsa.recover_sliver(metadata, "primary", 3, [corrupted] + symbols[1 : 1 + s]) == encoded.primary_slivers[3]
    with pytest.raises(DecodingError):
        morsa.recover_sliver(metadata, "primary", 3, [corrupted] + symbols[1:s])
    # symbols for another target do not count
    other_target = [sl.recovery_symbols([4], n)[0] for sl in encoded.secondary_slivers]
    with pytest.raises(DecodingError):
        morsa.recover_sliver(metadata, "primary", 3, other_target)
    with pytest.raises(ValueError):
        morsa.recover_sliver(metadata, "sideways", 3, symbols)


# ------------------------------------------------------------------------------------------
# Inconsistency proofs (SPEC §9)


def _split_general_symbol(raw: bytes) -> tuple[int, bytes, int, bytes]:
    """GeneralRecoverySymbol → (axis tag, DecodingSymbol bytes, target index, proof bytes)."""
    length, pos = read_uleb128(raw, 3)
    end = pos + length
    return raw[0], raw[1:end], int.from_bytes(raw[end : end + 2], "little"), raw[end + 2 :]


@functools.cache
def _inconsistent_blob():
    """A blob whose secondary sliver 0 was altered after encoding, with metadata recomputed
    from the altered sliver (SPEC §5.2, §5.3): every sliver verifies on its own, but the
    slivers do not form one codeword."""
    n = 7
    f, p, s = config_values(n)
    encoded = _encoded(31, 400, n)
    original = encoded.secondary_slivers[0]
    altered_data = bytearray(original.data)
    altered_data[0] ^= 0xA5
    altered = Sliver("secondary", 0, original.symbol_size, bytes(altered_data))
    column = altered.recovery_symbols(list(range(n)), n)
    hashes = encoded.metadata.pair_hashes()
    hashes[n - 1] = (hashes[n - 1][0], merkle_root([x.data for x in column]))
    length = encoded.metadata.unencoded_length
    raw = metadata_bcs(blob_id_bytes_from_root(length, blob_root(hashes)), length, hashes)
    metadata = BlobMetadata.from_bytes(raw)
    secondaries = [altered] + encoded.secondary_slivers[1:]
    return encoded, metadata, secondaries


def test_inconsistent_blob_gives_a_verifiable_proof():
    n = 7
    f, p, s = config_values(n)
    encoded, metadata, secondaries = _inconsistent_blob()
    for sliver in secondaries + encoded.primary_slivers:
        sliver.verify(metadata)  # each sliver is fine on its own
    symbols = [sl.recovery_symbols([0], n)[0] for sl in secondaries[:s]]
    with pytest.raises(InconsistentEncodingError) as info:
        morsa.recover_sliver(metadata, "primary", 0, symbols)
    assert isinstance(info.value, DecodingError)
    proof = info.value.proof
    assert isinstance(proof, InconsistencyProof)
    assert (proof.target_axis, proof.target_index, proof.n_symbols) == ("primary", 0, s)
    proof.verify(metadata)
    with pytest.raises(VerificationError):
        proof.verify(encoded.metadata)

    raw = proof.to_bytes()
    tagged = proof.to_bytes(tagged=True)
    assert tagged == b"\x00" + raw  # SPEC §9: ByAxis tag 0 for primary
    # SPEC §9: target_sliver_index u16 ‖ Vec<RecoverySymbol { DecodingSymbol, MerkleProof }>
    expected = bytearray((0).to_bytes(2, "little") + bytes([s]))
    for sym in symbols:
        tag, decoding_symbol, target, merkle_proof = _split_general_symbol(sym.to_bytes())
        assert (tag, target) == (0, 0)
        expected += decoding_symbol + merkle_proof
    assert raw == bytes(expected)

    parsed = InconsistencyProof.from_bytes(raw, "primary")
    assert parsed.to_bytes() == raw and parsed.to_bytes(tagged=True) == tagged
    parsed.verify(metadata)
    parsed_tagged = InconsistencyProof.from_bytes(tagged)
    assert (parsed_tagged.target_axis, parsed_tagged.target_index, parsed_tagged.n_symbols) == ("primary", 0, s)
    parsed_tagged.verify(metadata)
    # the same body read as a secondary-axis proof does not verify
    with pytest.raises(MorsaError):
        InconsistencyProof.from_bytes(raw, "secondary").verify(metadata)


def test_consistent_symbols_are_not_an_inconsistency_proof():
    n = 7
    f, p, s = config_values(n)
    encoded = _encoded(7, 300, n)
    symbols = [sl.recovery_symbols([2], n)[0] for sl in encoded.secondary_slivers[:s]]
    body = bytearray((2).to_bytes(2, "little") + bytes([s]))
    for sym in symbols:
        _, decoding_symbol, _, merkle_proof = _split_general_symbol(sym.to_bytes())
        body += decoding_symbol + merkle_proof
    proof = InconsistencyProof.from_bytes(bytes(body), "primary")
    assert (proof.target_axis, proof.target_index, proof.n_symbols) == ("primary", 2, s)
    assert proof.to_bytes() == bytes(body)
    with pytest.raises(VerificationError):
        proof.verify(encoded.metadata)
    # too few symbols is not a proof either
    short = bytearray((2).to_bytes(2, "little") + bytes([s - 1]))
    for sym in symbols[:-1]:
        _, decoding_symbol, _, merkle_proof = _split_general_symbol(sym.to_bytes())
        short += decoding_symbol + merkle_proof
    with pytest.raises(VerificationError):
        InconsistencyProof.from_bytes(bytes(short), "primary").verify(encoded.metadata)


def test_inconsistent_blob_fails_decoding_checks():
    n = 7
    f, p, s = config_values(n)
    encoded, metadata, secondaries = _inconsistent_blob()
    data = splitmix64(31, 400)
    # From the secondary slivers (including the altered one), the systematic primary slivers
    # are re-hashed and do not match.
    with pytest.raises(InconsistentEncodingError):
        morsa.decode(metadata, secondaries[:s], "default")
    with pytest.raises(InconsistentEncodingError):
        morsa.decode(metadata, secondaries[:s], "strict")
    assert morsa.decode(metadata, secondaries[:s], "skip") != data
    # From the (unaltered) systematic primary slivers the data is the original, whose blob ID
    # is not the metadata's: only the strict check sees it.
    with pytest.raises(InconsistentEncodingError):
        morsa.decode(metadata, encoded.primary_slivers[:p], "strict")
    assert morsa.decode(metadata, encoded.primary_slivers[:p], "skip") == data


@pytest.mark.parametrize(
    "garbage",
    [b"", b"\x00", b"\x00\x00", b"\x00\x00\x01", b"\xff" * 64, bytes(range(256)), b"\x00\x00\x05" + bytes(10)],
    ids=lambda g: f"{len(g)}B",
)
def test_inconsistency_proof_rejects_garbage(garbage):
    for axis in ("primary", "secondary"):
        with pytest.raises(WireFormatError):
            InconsistencyProof.from_bytes(garbage, axis)
    with pytest.raises(WireFormatError):
        InconsistencyProof.from_bytes(b"\x07" + garbage)  # bad ByAxis tag, or garbage after it
    with pytest.raises(WireFormatError):
        InconsistencyProof.from_bytes(garbage[:1] and b"\x00" + garbage)


# ------------------------------------------------------------------------------------------
# Fuzzing the decoders: only MorsaError, and round trips when they parse

_POSITION = st.one_of(st.integers(0, 64), st.integers(0, 1 << 20), st.integers(-16, -1))
_MUTATION = st.one_of(
    st.tuples(st.just("xor"), _POSITION, st.integers(1, 255)),
    st.tuples(st.just("set"), _POSITION, st.sampled_from([0x00, 0x01, 0x02, 0x7F, 0x80, 0xFF])),
    st.tuples(st.just("truncate"), _POSITION),
    st.tuples(st.just("insert"), _POSITION, st.binary(min_size=1, max_size=9)),
    st.tuples(st.just("delete"), _POSITION, st.integers(1, 40)),
    st.tuples(st.just("append"), st.binary(min_size=1, max_size=9)),
)


def _mutate(base: bytes, mutations: list[tuple]) -> bytes:
    data = bytearray(base)
    for op, *args in mutations:
        if op == "append":
            data += args[0]
            continue
        pos = args[0] % (len(data) + 1) if args[0] >= 0 else max(len(data) + args[0], 0)
        if op == "xor" and pos < len(data):
            data[pos] ^= args[1]
        elif op == "set" and pos < len(data):
            data[pos] = args[1]
        elif op == "truncate":
            del data[pos:]
        elif op == "insert":
            data[pos:pos] = args[1]
        elif op == "delete":
            del data[pos : pos + args[1]]
    return bytes(data)


def _fuzz_targets():
    n = 7
    encoded = _encoded(7, 300, n)
    symbol = encoded.secondary_slivers[3].recovery_symbols([5], n)[0]
    _, _, secondaries = _inconsistent_blob()
    f, p, s = config_values(n)
    proof_symbols = [sl.recovery_symbols([0], n)[0] for sl in secondaries[:s]]
    with pytest.raises(InconsistentEncodingError) as info:
        morsa.recover_sliver(_inconsistent_blob()[1], "primary", 0, proof_symbols)
    proof = info.value.proof
    small = _encoded(5, 40, 4)
    return {
        "metadata": (encoded.metadata.to_bytes(), lambda b: BlobMetadata.from_bytes(b), lambda x: x.to_bytes()),
        "metadata-n4": (small.metadata.to_bytes(), lambda b: BlobMetadata.from_bytes(b, 4), lambda x: x.to_bytes()),
        "primary-sliver": (
            encoded.primary_slivers[1].to_bytes(),
            lambda b: Sliver.from_bytes(b, "primary"),
            lambda x: x.to_bytes(),
        ),
        "secondary-sliver": (
            small.secondary_slivers[2].to_bytes(),
            lambda b: Sliver.from_bytes(b, "secondary"),
            lambda x: x.to_bytes(),
        ),
        "recovery-symbol": (symbol.to_bytes(), RecoverySymbol.from_bytes, lambda x: x.to_bytes()),
        "inconsistency-proof": (
            proof.to_bytes(),
            lambda b: InconsistencyProof.from_bytes(b, "primary"),
            lambda x: x.to_bytes(),
        ),
        "inconsistency-proof-tagged": (
            proof.to_bytes(tagged=True),
            InconsistencyProof.from_bytes,
            lambda x: x.to_bytes(tagged=True),
        ),
    }


FUZZ_TARGETS = [
    "metadata",
    "metadata-n4",
    "primary-sliver",
    "secondary-sliver",
    "recovery-symbol",
    "inconsistency-proof",
    "inconsistency-proof-tagged",
]


@pytest.mark.parametrize("target", FUZZ_TARGETS)
def test_fuzz_mutations_raise_only_morsa_errors(target):
    base, parse, serialize = _fuzz_targets()[target]
    encoded = _encoded(7, 300, 7)
    assert serialize(parse(base)) == base  # the unmutated input round-trips

    @settings(max_examples=600, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(st.one_of(st.lists(_MUTATION, min_size=1, max_size=4).map(lambda m: _mutate(base, m)), st.binary(max_size=200)))
    def check(data: bytes) -> None:
        try:
            parsed = parse(data)
        except MorsaError:
            return
        assert serialize(parsed) == data
        # using what parsed must not crash either
        if not isinstance(parsed, BlobMetadata):
            with contextlib.suppress(MorsaError):
                parsed.verify(encoded.metadata)

    check()


# ------------------------------------------------------------------------------------------
# Progress callback and threads


@pytest.mark.parametrize("function", ["blob_id", "compute_metadata", "encode", "verify"])
def test_progress_callback(function):
    calls: list[tuple[int, int]] = []
    data = splitmix64(77, 50_000)
    args = (data, CASE["blob_id"], 10) if function == "verify" else (data, 10)
    getattr(morsa, function)(*args, progress=lambda done, total: calls.append((done, total)))
    assert calls
    totals = {total for _, total in calls}
    assert len(totals) == 1 and totals.pop() > 0
    dones = [done for done, _ in calls]
    assert dones == sorted(dones)
    assert all(0 <= done <= total for done, total in calls)
    assert calls[-1][0] == calls[-1][1]


@pytest.mark.parametrize("function", ["blob_id", "encode"])
def test_progress_exception_propagates(function):
    class Stop(Exception):
        pass

    calls = []

    def progress(done, total):
        calls.append(done)
        raise Stop("from the callback")

    with pytest.raises(Stop, match="from the callback"):
        getattr(morsa, function)(splitmix64(78, 20_000), 10, progress=progress)
    assert calls


def test_progress_non_callable_fails_cleanly():
    with pytest.raises(TypeError):
        morsa.blob_id(b"abc", 10, progress=42)


def test_blob_id_from_threads():
    blobs = [splitmix64(500 + i, 200_000 + 1000 * i) for i in range(8)]
    expected = [morsa.blob_id(b, 10) for b in blobs]
    assert len(set(expected)) == len(blobs)
    results: dict[int, list[str]] = {}
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def work(t: int) -> None:
        try:
            barrier.wait()
            results[t] = [morsa.blob_id(b, 10) for b in blobs[t:] + blobs[:t]]
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=60)
    assert not errors
    for t in range(4):
        assert results[t] == expected[t:] + expected[:t]


def test_threads_with_mutable_buffers_and_paths(tmp_path):
    data = splitmix64(600, 300_000)
    path = _write(tmp_path, data)
    expected = morsa.blob_id(data, 10)
    out: list[str] = []
    inputs = [bytearray(data), memoryview(data), path, str(path)]

    def work(obj):
        out.append(morsa.blob_id(obj, 10))

    threads = [threading.Thread(target=work, args=(obj,)) for obj in inputs]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=60)
    assert out == [expected] * 4


# ------------------------------------------------------------------------------------------
# Helpers the network uses: metadata without its ID, root hashes, recovery-symbol lists


def test_metadata_bytes_without_id_verify_against_the_path_blob_id():
    encoded = _encoded(CASE["seed"], CASE["length"], 10)
    metadata = encoded.metadata
    assert BlobMetadata.from_metadata_bytes(metadata.blob_id, metadata.metadata_bytes(), 10) == metadata
    other = _encoded(99, CASE["length"], 10).metadata
    with pytest.raises(VerificationError):
        BlobMetadata.from_metadata_bytes(other.blob_id, metadata.metadata_bytes(), 10)
    with pytest.raises(WireFormatError):
        BlobMetadata.from_metadata_bytes(metadata.blob_id, metadata.metadata_bytes()[:-1], 10)
    with pytest.raises(morsa.InvalidBlobIdError):
        BlobMetadata.from_metadata_bytes("nope", metadata.metadata_bytes(), 10)


def test_root_hash_derives_the_blob_id():
    encoded = _encoded(CASE["seed"], CASE["length"], 10)
    m = encoded.metadata
    # SPEC §5.3: blob_id = H(0x01 ‖ u64 LE length ‖ root), root over the pair leaves.
    assert m.root_hash == merkle_root([bytes(a) + bytes(b) for a, b in m.pair_hashes()])
    assert morsa.derive_blob_id(m.root_hash, m.unencoded_length) == m.blob_id
    assert morsa.derive_blob_id(m.root_hash, m.unencoded_length + 1) != m.blob_id
    with pytest.raises(ValueError):
        morsa.derive_blob_id(m.root_hash[:31], 1)


def test_recovery_symbol_lists_round_trip():
    encoded = _encoded(CASE["seed"], CASE["length"], 10)
    symbols = encoded.secondary_slivers[2].recovery_symbols([0, 5, 9], 10)
    data = morsa.encode_recovery_symbols(symbols)
    decoded = morsa.decode_recovery_symbols(data)
    assert [s.to_bytes() for s in decoded] == [s.to_bytes() for s in symbols]
    assert data[0] == 3  # ULEB128 length
    for n in range(len(data)):
        with pytest.raises(WireFormatError):
            morsa.decode_recovery_symbols(data[:n])
    assert morsa.encode_recovery_symbols([]) == b"\x00"


@pytest.mark.parametrize("n_shards", [4, 10, 31])
@pytest.mark.parametrize("length", [0, 1, 1000, 28_001, 300_000])
def test_streamed_blob_id_equals_in_memory(tmp_path, n_shards, length):
    """Paths are streamed (positioned reads / mapped windows, byte stripes); a budget of 0
    forces 128-byte stripes, the most cuts through each symbol."""
    config = morsa.EncodingConfig(n_shards)
    if length > config.max_blob_size:
        pytest.skip("too large for this shard count")
    data = bytes((i * 7 + i // 251) % 256 for i in range(length))
    path = tmp_path / "blob"
    path.write_bytes(data)
    expected = morsa.encode(data, n_shards).metadata  # the in-memory expansion
    for budget in (0, 10_000, 64 << 20):
        got = morsa._native.compute_metadata_file(str(path), n_shards, None, budget)
        assert got.blob_id == expected.blob_id
        assert got.to_bytes() == expected.to_bytes()
    assert morsa.blob_id(path, n_shards) == expected.blob_id
    assert morsa.blob_id(data, n_shards) == expected.blob_id


# ------------------------------------------------------------------------------------------
# Sliver directories


def _staging(tmp_path: Path, name: str) -> Path:
    directory = tmp_path / name
    directory.mkdir()
    return directory


def _sliver_files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


@pytest.mark.parametrize("n_shards", [4, 10])
@pytest.mark.parametrize("length", [0, 1, 1000, 30_000])
@pytest.mark.parametrize("kind", ["bytes", "bytearray", "memoryview-slice", "mmap-readonly", "mmap-anonymous"])
def test_encode_to_directory_from_bytes_equals_from_path(tmp_path, kind, length, n_shards):
    data = splitmix64(3000 + length, length)
    path = _write(tmp_path, data)
    from_path = morsa.encode_to_directory(path, _staging(tmp_path, "from-path"), n_shards)
    if length == 0 and kind.startswith("mmap"):
        pytest.skip("an empty mmap cannot be created")
    with INPUT_KINDS[kind](tmp_path, data) as obj:
        from_bytes = morsa.encode_to_directory(obj, _staging(tmp_path, "from-bytes"), n_shards)
    assert from_bytes == from_path
    assert from_bytes.to_bytes() == morsa.compute_metadata(data, n_shards).to_bytes()
    files = _sliver_files(tmp_path / "from-bytes")
    assert files == _sliver_files(tmp_path / "from-path")
    assert len(files) == 2 * n_shards
    encoded = morsa.encode(data, n_shards)
    for axis in ("primary", "secondary"):
        for i in range(n_shards):
            sliver = Sliver.from_bytes(files[f"{axis}-{i}.bcs"], axis)
            assert (sliver.axis, sliver.index) == (axis, i)
            sliver.verify(from_bytes)
            assert sliver == encoded.sliver(axis, i)


def test_encode_to_directory_from_bytes_errors_and_progress(tmp_path):
    data = splitmix64(5, 2000)
    calls = []
    staging = _staging(tmp_path, "a")
    metadata = morsa.encode_to_directory(data, staging, 10, progress=lambda done, total: calls.append((done, total)))
    assert metadata.blob_id == morsa.blob_id(data, 10)
    assert calls and calls[-1][0] == calls[-1][1]
    with pytest.raises(FileExistsError):
        morsa.encode_to_directory(data, staging, 10)
    with pytest.raises(EncodingError):
        morsa.encode_to_directory(data, _staging(tmp_path, "b"), 3)
    with pytest.raises(BlobTooLargeError):
        morsa.encode_to_directory(bytes(N10_MAX_BLOB_SIZE + 1), _staging(tmp_path, "c"), 10)
    assert not any((tmp_path / "c").iterdir())  # the size is checked before any file is created
    with pytest.raises(TypeError):
        morsa.encode_to_directory(12345, _staging(tmp_path, "d"), 10)


def test_config_index_mapping_and_limits():
    """SPEC §3.4 / §4.1 pair ↔ sliver indices, SPEC §11 upload limit, SPEC §5.5 metadata size."""
    for n in (4, 10, 1000):
        config = morsa.EncodingConfig(n)
        for pair in (0, 1, n - 1):
            assert config.sliver_index("primary", pair) == pair
            assert config.sliver_index("secondary", pair) == n - 1 - pair
            for axis in ("primary", "secondary"):
                assert config.pair_index(axis, config.sliver_index(axis, pair)) == pair
        with pytest.raises(ValueError):
            config.sliver_index("primary", n)
        assert config.sliver_upload_limit == config.n_secondary_source_symbols * 65534 + 128
        assert config.metadata_bcs_len == len(morsa.compute_metadata(b"x", n).metadata_bytes())


def test_sliver_batches_round_trip_and_verify():
    from morsa import _native

    encoded = morsa.encode(bytes(range(256)) * 20, 10)
    slivers = [encoded.sliver("primary", 2), encoded.sliver("secondary", 7), encoded.sliver("primary", 9)]
    body = _native.encode_slivers(slivers)
    back = _native.decode_slivers(body)
    assert [(s.axis, s.index, s.to_bytes()) for s in back] == [(s.axis, s.index, s.to_bytes()) for s in slivers]
    assert _native.decode_slivers(_native.encode_slivers([])) == []
    with pytest.raises(morsa.WireFormatError):
        _native.decode_slivers(body[:-1])
    assert _native.verify_slivers(encoded.metadata, back) == [None, None, None]
    tampered = morsa.Sliver("primary", 9, slivers[2].symbol_size, bytes(len(slivers[2].data)))
    reasons = _native.verify_slivers(encoded.metadata, [slivers[0], tampered])
    assert reasons[0] is None and "pair 9" in reasons[1]
