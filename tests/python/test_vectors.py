"""Conformance of the installed ``morsa`` package with the walrus-core vectors and SPEC §17."""

from __future__ import annotations

import base64
import hashlib

import pytest

import morsa
from conftest import load_spec_tables


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _upstream_input(case: dict) -> bytes:
    if "ascii" in case:
        return case["ascii"].encode("ascii")
    return bytes.fromhex(case["hex"])


def _upstream_expected_id(case: dict) -> tuple[str, bytes]:
    if "blob_id" in case:
        text = case["blob_id"]
        raw = base64.urlsafe_b64decode(text + "=")
        if "blob_id_hex" in case:
            assert raw.hex() == case["blob_id_hex"]
        return text, raw
    raw = bytes.fromhex(case["blob_id_hex"])
    return _b64url(raw), raw


# ------------------------------------------------------------------------------------------
# The vectors file itself


def test_vectors_file_has_all_sections(vectors):
    assert "SplitMix64" in vectors["_comment"]
    assert len(vectors["upstream"]) >= 4
    assert len(vectors["cases"]) >= 14
    assert any("primary_slivers_bcs" in c for c in vectors["cases"])


def test_splitmix64_input_sha256(vector_case, spec):
    data = spec.splitmix64(vector_case["seed"], vector_case["length"])
    assert len(data) == vector_case["length"]
    assert hashlib.sha256(data).hexdigest() == vector_case["input_sha256"]


# ------------------------------------------------------------------------------------------
# Upstream vectors (SPEC §17.1)


def test_upstream_blob_id(upstream_case):
    data = _upstream_input(upstream_case)
    n = upstream_case["n_shards"]
    text, raw = _upstream_expected_id(upstream_case)

    if n == morsa.MAINNET_N_SHARDS:
        # the default shard count is mainnet's (one computation only: n = 1000 is the slow case)
        metadata = morsa.compute_metadata(data)
    else:
        metadata = morsa.compute_metadata(data, n)
        assert morsa.blob_id(data, n) == text
        assert morsa.verify(data, text, n) is True
    assert metadata.blob_id == text
    assert metadata.blob_id_bytes == raw
    assert metadata.unencoded_length == len(data)
    assert metadata.n_shards == n


def test_upstream_encoded_length(vectors):
    cases = [c for c in vectors["upstream"] if "encoded_length" in c]
    assert cases, "the vectors file lost its encoded_length case"
    for case in cases:
        data = _upstream_input(case)
        config = morsa.EncodingConfig(case["n_shards"])
        assert config.encoded_blob_length(len(data)) == case["encoded_length"]


def test_spec_17_2_intermediate_values(vectors):
    """Vector 1 (n = 10, p = 4, s = 7, S = 2) in detail."""
    data = b"walrus blob id v1 regression test"
    encoded = morsa.encode(data, 10)
    assert encoded.blob_id == "RcU82Mwf-CFkv1LaI_2qcpANwpGUuG3TMwnVzZxD2kY"
    assert encoded.metadata.blob_id_bytes.hex() == "45c53cd8cc1ff82164bf52da23fdaa72900dc29194b86dd33309d5cd9c43da46"
    assert encoded.symbol_size == 2

    p0, s9 = encoded.sliver_pair(0)
    assert (p0.axis, p0.index, s9.axis, s9.index) == ("primary", 0, "secondary", 9)
    assert p0.data == b"walrus blob id"
    assert p0.to_bytes().hex() == "0e77616c72757320626c6f6220696402000000"
    assert s9.data.hex() == "c2f80b0295ac0000"
    assert s9.to_bytes().hex() == "08c2f80b0295ac000002000900"

    p3, s6 = encoded.sliver_pair(3)
    assert p3.data == bytes(14)
    assert s6.data.hex() == "69646f6e00000000"
    p4, s5 = encoded.sliver_pair(4)
    assert p4.data.hex() == "cdab9372da2a311fb51600f68aec"
    assert s5.data.hex() == "6220736900000000"
    p9, s0 = encoded.sliver_pair(9)
    assert p9.data.hex() == "f5922d0de94cd01282141b50fbb8"
    assert s0.data.hex() == "7761207620740000"

    hashes = encoded.metadata.pair_hashes()
    assert hashes[0][0].hex() == "e72fef473a7821fd33d556b2c2cee51481e6198fbccc8904232ae517c25b507f"
    assert hashes[0][1].hex() == "3e97b1aacf9199e3d46a777da0c6026de6aede8aeb509e53a5df0b01a5beacd2"
    assert hashes[9][0].hex() == "25dfa6027b65405b4173b0a6e6c1cbe2178a4418bdf0175dc2c37dbd75df196d"
    assert hashes[9][1].hex() == "8d78c10ebb5bccc04da95cfab8b0abdfd332f24c265a1a4d953355c99cecde7d"

    # Expanded row 0 and expanded column 9, through the recovery symbols of those slivers.
    row0 = p0.recovery_symbols(list(range(10)), 10)
    assert b"".join(sym.data for sym in row0).hex() == "77616c72757320626c6f6220696405f61a1ec2f8"
    col9 = s9.recovery_symbols(list(range(10)), 10)
    assert b"".join(sym.data for sym in col9).hex() == "c2f80b0295ac0000cdcb37a6d773714876ba9d6d"


def test_spec_17_2_merkle_root(spec):
    metadata = morsa.compute_metadata(b"walrus blob id v1 regression test", 10)
    assert spec.blob_root(metadata.pair_hashes()).hex() == "dc3457c94140737f55ccfba619f79c96928f3845da745142c7c8e23396eedf88"


# ------------------------------------------------------------------------------------------
# Generated vectors (walrus-rs2.json "cases")


def test_case_metadata(vector_case, spec):
    case = vector_case
    n = case["n_shards"]
    data = spec.splitmix64(case["seed"], case["length"])
    metadata = morsa.compute_metadata(data, n)

    assert metadata.blob_id == case["blob_id"]
    assert metadata.blob_id_bytes.hex() == case["blob_id_hex"]
    assert metadata.symbol_size == case["symbol_size"]
    assert metadata.config.symbol_size(case["length"]) == case["symbol_size"]
    assert metadata.unencoded_length == case["length"]
    assert metadata.n_shards == n
    assert metadata.encoding_type == "RS2"

    hashes = metadata.pair_hashes()
    assert len(hashes) == n
    assert all(len(p) == 32 and len(s) == 32 for p, s in hashes)
    if "pair_hashes" in case:
        assert [(p.hex(), s.hex()) for p, s in hashes] == [tuple(pair) for pair in case["pair_hashes"]]
    # The root over the pair hashes (SPEC §5.3) is the vector's root; the blob ID derives from it.
    root = spec.blob_root(hashes)
    assert root.hex() == case["root_hash_hex"]
    assert spec.blob_id_bytes_from_root(case["length"], root).hex() == case["blob_id_hex"]

    if n < 100:
        assert morsa.blob_id(data, n) == case["blob_id"]
    assert morsa.BlobMetadata.from_bytes(metadata.to_bytes()) == metadata


def test_case_slivers(sliver_case, spec):
    case = sliver_case
    n = case["n_shards"]
    data = spec.splitmix64(case["seed"], case["length"])
    encoded = morsa.encode(data, n)
    assert encoded.blob_id == case["blob_id"]
    assert encoded.n_shards == n
    assert encoded.symbol_size == case["symbol_size"]
    assert len(case["primary_slivers_bcs"]) == len(case["secondary_slivers_bcs"]) == n

    metadata = encoded.metadata
    for i in range(n):
        primary, secondary = encoded.sliver_pair(i)
        assert (primary.axis, primary.index) == ("primary", i)
        assert (secondary.axis, secondary.index) == ("secondary", n - 1 - i)
        assert primary.pair_index(n) == i and secondary.pair_index(n) == i
        assert primary.to_bytes().hex() == case["primary_slivers_bcs"][i]
        assert secondary.to_bytes().hex() == case["secondary_slivers_bcs"][i]
        assert encoded.sliver("primary", i) == primary
        assert encoded.sliver("secondary", n - 1 - i) == secondary
        # the wire bytes parse back, and verify against the metadata
        assert morsa.Sliver.from_bytes(bytes.fromhex(case["primary_slivers_bcs"][i]), "primary") == primary
        assert morsa.Sliver.from_bytes(bytes.fromhex(case["secondary_slivers_bcs"][i]), "secondary") == secondary
        primary.verify(metadata)
        secondary.verify(metadata)


# ------------------------------------------------------------------------------------------
# SPEC §17.3: the LCG-generated table

LCG_TABLE = [
    (row["n_shards"], row["length"], row["symbol_size"], row["blob_id"])
    for row in load_spec_tables()["lcg_blob_ids"]
]


def test_lcg_generator_matches_spec_formula(spec):
    # x = 12345; x = x*1103515245 + 12345 mod 2^32; byte = (x >> 16) & 0xFF
    x1 = (12345 * 1103515245 + 12345) % 2**32
    x2 = (x1 * 1103515245 + 12345) % 2**32
    assert spec.lcg_bytes(2) == bytes([(x1 >> 16) & 0xFF, (x2 >> 16) & 0xFF])
    assert spec.lcg_bytes(1000)[:2] == spec.lcg_bytes(2)
    assert len(set(spec.lcg_bytes(1000))) > 200


@pytest.mark.parametrize(("n", "length", "symbol_size", "expected"), LCG_TABLE, ids=[f"n{r[0]}-len{r[1]}" for r in LCG_TABLE])
def test_lcg_table(n, length, symbol_size, expected, spec):
    data = spec.lcg_bytes(length)
    assert morsa.blob_id(data, n) == expected
    assert morsa.EncodingConfig(n).symbol_size(length) == symbol_size


def test_spec_17_3_derived_metadata(spec):
    """test_utils.rs blob_metadata(): n = 10, all hashes [i; 32] for pair i, length 62 831."""
    hashes = [(bytes([i]) * 32, bytes([i]) * 32) for i in range(10)]
    expected = "Kzx3MpKXCfS3QkVecQujG5rsWwSw1M_w72l9MCFYhtg"
    raw = spec.blob_id_bytes_from_root(62831, spec.blob_root(hashes))
    assert _b64url(raw) == expected
    metadata = morsa.BlobMetadata.from_bytes(spec.metadata_bcs(raw, 62831, hashes))
    assert metadata.blob_id == expected
    assert metadata.pair_hashes() == hashes
    assert metadata.unencoded_length == 62831


# ------------------------------------------------------------------------------------------
# SPEC §4.2 and §17.1.5


def _blob_id_from_u64(x: int) -> str:
    return _b64url(bytes(24) + x.to_bytes(8, "big"))


@pytest.mark.parametrize(("pair", "shard"), [(0, 1), (5, 6), (6, 0)])
def test_shard_for_pair_vectors(pair, shard):
    assert morsa.shard_index_for_pair(_blob_id_from_u64(15), 7, pair) == shard


@pytest.mark.parametrize(("shard", "pair"), [(0, 5), (1, 6), (6, 4)])
def test_pair_for_shard_vectors(shard, pair):
    assert morsa.pair_index_for_shard(_blob_id_from_u64(16), 7, shard) == pair


def test_decimal_looking_blob_id_is_base64():
    text = "1000000000000000000000000000000000000000000"
    assert morsa.is_blob_id(text)
    raw = base64.urlsafe_b64decode(text + "=")
    assert list(raw[:15]) == [215, 77, 52, 211, 77, 52, 211, 77, 52, 211, 77, 52, 211, 77, 52]
    assert not morsa.is_blob_id("115792089237316195423570985008687907853269984665640564039457584007913129639936")
