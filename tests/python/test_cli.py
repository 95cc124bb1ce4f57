"""The ``morsa`` command line (the installed console script and ``python -m morsa``)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

import morsa
from conftest import config_values, load_vectors, splitmix64

N = 10
F, P, S = config_values(N)  # 3, 4, 7 (SPEC §1.2)
N10_MAX_BLOB_SIZE = 1_834_952  # SPEC §1.4
SUBCOMMANDS = ["blob-id", "verify", "encode", "decode", "info"]


def _case(seed: int) -> dict:
    return next(c for c in load_vectors()["cases"] if c["seed"] == seed)


def _upstream(text: str) -> dict:
    return next(c for c in load_vectors()["upstream"] if c.get("ascii") == text)


@pytest.fixture
def files(tmp_path: Path) -> list[tuple[Path, str]]:
    """Files with known blob IDs for 10 shards (from the vectors file), and their IDs."""
    out = []
    upstream = _upstream("walrus blob id v1 regression test")
    assert upstream["n_shards"] == N
    path = tmp_path / "regression.txt"
    path.write_bytes(upstream["ascii"].encode())
    out.append((path, upstream["blob_id"]))
    for seed in (4, 6):  # n = 10: 1000 bytes and the empty blob
        case = _case(seed)
        assert case["n_shards"] == N
        path = tmp_path / f"seed {seed}.bin"  # a space in the name, on purpose
        path.write_bytes(splitmix64(seed, case["length"]))
        out.append((path, case["blob_id"]))
    return out


def _assert_one_line_error(proc, *needles: str) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    err = proc.stderr.strip()
    assert "Traceback" not in proc.stderr
    assert len(err.splitlines()) == 1, proc.stderr
    assert err.startswith("morsa:")
    for needle in needles:
        assert needle in err, (needle, err)
    return err


# ------------------------------------------------------------------------------------------
# blob-id


@pytest.mark.parametrize("module", [False, True], ids=["console-script", "python-m"])
def test_blob_id_lines(run_cli, files, module):
    proc = run_cli("blob-id", "--n-shards", N, *[p for p, _ in files], module=module)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert proc.stdout.splitlines() == [f"{blob_id}  {path}" for path, blob_id in files]


def test_blob_id_default_is_mainnet(run_cli, tmp_path):
    upstream = _upstream("some other string")
    assert upstream["n_shards"] == 1000
    path = tmp_path / "other.txt"
    path.write_bytes(upstream["ascii"].encode())
    proc = run_cli("blob-id", path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"{upstream['blob_id']}  {path}\n"


def test_blob_id_json(run_cli, files):
    proc = run_cli("blob-id", "--json", "--n-shards", "10", *[p for p, _ in files])
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == len(files)
    for line, (path, blob_id) in zip(lines, files):
        record = json.loads(line)
        assert record["path"] == str(path)
        assert record["blob_id"] == blob_id
        assert record["size"] == path.stat().st_size
        assert record["n_shards"] == N
        assert record["symbol_size"] == morsa.EncodingConfig(N).symbol_size(path.stat().st_size)


def test_blob_id_n_shards_changes_the_id(run_cli, files):
    path, blob_id_10 = files[1]
    proc = run_cli("blob-id", "--n-shards", "13", path)
    assert proc.returncode == 0
    assert proc.stdout == f"{morsa.blob_id(path, 13)}  {path}\n"
    assert blob_id_10 not in proc.stdout


def test_blob_id_missing_file_among_others(run_cli, files, tmp_path):
    missing = tmp_path / "missing.bin"
    proc = run_cli("blob-id", "--n-shards", N, files[0][0], missing, files[1][0])
    _assert_one_line_error(proc, str(missing))
    # the other files are still reported
    assert proc.stdout.splitlines() == [f"{files[0][1]}  {files[0][0]}", f"{files[1][1]}  {files[1][0]}"]


def test_blob_id_directory_is_an_error(run_cli, tmp_path):
    _assert_one_line_error(run_cli("blob-id", "--n-shards", N, tmp_path), str(tmp_path))


# ------------------------------------------------------------------------------------------
# verify


def test_verify_match(run_cli, files):
    for path, blob_id in files:
        proc = run_cli("verify", "--n-shards", N, path, blob_id)
        assert proc.returncode == 0, proc.stderr
        assert blob_id in proc.stdout and "OK" in proc.stdout
        assert proc.stderr == ""


@pytest.mark.parametrize("module", [False, True], ids=["console-script", "python-m"])
def test_verify_mismatch(run_cli, files, module):
    (path, blob_id), (_, other_id) = files[0], files[1]
    proc = run_cli("verify", "--n-shards", N, path, other_id, module=module)
    assert proc.returncode == 1, proc.stderr
    assert "mismatch" in proc.stdout.lower()
    assert blob_id in proc.stdout and other_id in proc.stdout
    assert "Traceback" not in proc.stderr


def test_verify_mismatch_for_another_shard_count(run_cli, files):
    path, blob_id = files[0]
    proc = run_cli("verify", "--n-shards", "13", path, blob_id)
    assert proc.returncode == 1
    assert "mismatch" in proc.stdout.lower()


@pytest.mark.parametrize(
    "bad",
    [
        "RcU82Mwf-CFkv1LaI_2qcpANwpGUuG3TMwnVzZxD2kY=",
        "RcU82Mwf-CFkv1LaI_2qcpANwpGUuG3TMwnVzZxD2k",
        "RcU82Mwf+CFkv1LaI/2qcpANwpGUuG3TMwnVzZxD2kY",
        "not-a-blob-id",
    ],
    ids=["padded", "short", "standard-alphabet", "text"],
)
def test_verify_bad_blob_id(run_cli, files, bad):
    proc = run_cli("verify", "--n-shards", N, files[0][0], bad)
    _assert_one_line_error(proc, "blob ID")
    assert proc.stdout == ""


def test_verify_missing_file(run_cli, files, tmp_path):
    missing = tmp_path / "nope.bin"
    proc = run_cli("verify", "--n-shards", N, missing, files[0][1])
    _assert_one_line_error(proc, str(missing))
    assert proc.stdout == ""


# ------------------------------------------------------------------------------------------
# Limits and arguments


@pytest.fixture
def big_file(tmp_path: Path) -> Path:
    path = tmp_path / "big.bin"
    with open(path, "wb") as f:
        f.truncate(31 * 1024 * 1024)  # sparse: 31 MB without writing them
    return path


@pytest.mark.parametrize("command", ["blob-id", "verify", "encode", "info"])
def test_too_large_for_10_shards(run_cli, big_file, tmp_path, command):
    args = {
        "blob-id": ["blob-id", big_file],
        "verify": ["verify", big_file, "RcU82Mwf-CFkv1LaI_2qcpANwpGUuG3TMwnVzZxD2kY"],
        "encode": ["encode", big_file, "--out", tmp_path / "out"],
        "info": ["info", big_file],
    }[command]
    proc = run_cli(*args[:1], "--n-shards", "10", *args[1:])
    err = _assert_one_line_error(proc, str(N10_MAX_BLOB_SIZE), "10 shards")
    assert str(31 * 1024 * 1024) in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("value", ["0", "3", "-1", "49156", "ten"])
@pytest.mark.parametrize("command", ["blob-id", "verify", "encode", "info"])
def test_bad_n_shards_rejected(run_cli, files, tmp_path, command, value):
    path, blob_id = files[0]
    args = {
        "blob-id": [path],
        "verify": [path, blob_id],
        "encode": [path, "--out", tmp_path / "out"],
        "info": [path],
    }[command]
    proc = run_cli(command, f"--n-shards={value}", *args)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "--n-shards" in proc.stderr and value in proc.stderr
    assert proc.stdout == ""
    assert not (tmp_path / "out").exists()


def test_no_command_is_an_error(run_cli):
    proc = run_cli()
    assert proc.returncode == 2
    assert "usage" in proc.stderr.lower()


def test_help_of_every_subcommand(run_cli):
    proc = run_cli("--help")
    assert proc.returncode == 0
    for sub in SUBCOMMANDS:
        assert sub in proc.stdout
    for sub in SUBCOMMANDS:
        proc = run_cli(sub, "--help")
        assert proc.returncode == 0, (sub, proc.stderr)
        assert proc.stdout.startswith(f"usage: morsa {sub}")
        assert proc.stderr == ""


def test_help_via_python_m(run_cli):
    proc = run_cli("--help", module=True)
    assert proc.returncode == 0
    assert "blob-id" in proc.stdout


def test_version(run_cli):
    proc = run_cli("--version")
    assert proc.returncode == 0
    assert morsa.__version__ in proc.stdout


# ------------------------------------------------------------------------------------------
# info


def test_info_json(run_cli, files):
    proc = run_cli("info", "--json", "--n-shards", "10")
    assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout)
    assert record == {
        "n_shards": 10,
        "max_faulty": F,
        "primary_source_symbols": P,
        "secondary_source_symbols": S,
        "max_blob_size": N10_MAX_BLOB_SIZE,
    }
    path = files[1][0]
    size = path.stat().st_size
    proc = run_cli("info", "--json", "--n-shards", "10", path)
    assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout)
    symbol_size = _case(4)["symbol_size"]
    assert record["path"] == str(path)
    assert record["size"] == size
    assert record["symbol_size"] == symbol_size
    assert record["primary_sliver_size"] == S * symbol_size
    assert record["secondary_sliver_size"] == P * symbol_size
    assert record["encoded_length"] == N * (N * 64 + 32) + N * (P + S) * symbol_size  # SPEC §1.4


def test_info_text_default_shards(run_cli):
    proc = run_cli("info")
    assert proc.returncode == 0
    text = proc.stdout
    assert "1000" in text and "333" in text and "334" in text and "667" in text
    assert str(14_599_533_452) in text  # SPEC §1.4


# ------------------------------------------------------------------------------------------
# encode / decode


@pytest.fixture
def blob(tmp_path: Path) -> Path:
    path = tmp_path / "blob.bin"
    path.write_bytes(splitmix64(2024, 5000))
    return path


def _encode(run_cli, blob: Path, out: Path, *extra: str):
    proc = run_cli("encode", "--n-shards", N, blob, "--out", out, *extra)
    assert proc.returncode == 0, proc.stderr
    return proc


def _sliver_names(axis: str) -> list[str]:
    return [f"{axis}-{i}.bcs" for i in range(N)]


def test_encode_writes_metadata_and_all_slivers(run_cli, blob, tmp_path):
    out = tmp_path / "slivers"
    proc = _encode(run_cli, blob, out)
    expected_id = morsa.blob_id(blob, N)
    assert expected_id in proc.stdout
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(["metadata.bcs", *_sliver_names("primary"), *_sliver_names("secondary")])

    metadata = morsa.BlobMetadata.from_bytes((out / "metadata.bcs").read_bytes())
    assert metadata.blob_id == expected_id
    assert metadata.n_shards == N
    assert metadata.unencoded_length == blob.stat().st_size
    encoded = morsa.encode(blob, N)
    for axis in ("primary", "secondary"):
        for i in range(N):
            sliver = morsa.Sliver.from_bytes((out / f"{axis}-{i}.bcs").read_bytes(), axis)
            assert (sliver.axis, sliver.index) == (axis, i)
            sliver.verify(metadata)
            assert sliver == encoded.sliver(axis, i)
    # no temporary files next to the output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blob.bin", "slivers"]


def test_encode_into_existing_empty_directory(run_cli, blob, tmp_path):
    out = tmp_path / "empty"
    out.mkdir()
    _encode(run_cli, blob, out)
    assert len(list(out.iterdir())) == 1 + 2 * N


def test_encode_into_non_empty_directory_needs_force(run_cli, blob, tmp_path):
    out = tmp_path / "busy"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    proc = run_cli("encode", "--n-shards", N, blob, "--out", out)
    _assert_one_line_error(proc, str(out), "--force")
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blob.bin", "busy"]

    _encode(run_cli, blob, out, "--force")
    names = {p.name for p in out.iterdir()}
    assert "keep.txt" in names and "metadata.bcs" in names and len(names) == 2 + 2 * N
    assert (out / "keep.txt").read_text() == "mine"


def test_encode_onto_a_file_is_an_error(run_cli, blob, tmp_path):
    target = tmp_path / "file"
    target.write_text("x")
    _assert_one_line_error(run_cli("encode", "--n-shards", N, blob, "--out", target), str(target))
    assert target.read_text() == "x"


def test_encode_missing_file(run_cli, tmp_path):
    missing = tmp_path / "missing"
    _assert_one_line_error(run_cli("encode", "--n-shards", N, missing, "--out", tmp_path / "o"), str(missing))
    assert not (tmp_path / "o").exists()


def _keep_only(directory: Path, keep_primary: list[int], keep_secondary: list[int]) -> None:
    for i in range(N):
        if i not in keep_primary:
            (directory / f"primary-{i}.bcs").unlink()
        if i not in keep_secondary:
            (directory / f"secondary-{i}.bcs").unlink()


@pytest.mark.parametrize(
    "scenario",
    ["p-primary", "p-primary-all-secondary", "s-secondary", "p-1-primary-s-secondary"],
)
@pytest.mark.parametrize("check", [None, "strict", "default", "skip"])
def test_decode_from_enough_slivers(run_cli, blob, tmp_path, scenario, check):
    out = tmp_path / "slivers"
    _encode(run_cli, blob, out)
    rng = random.Random(f"{scenario}-{check}")
    keep_primary = {
        "p-primary": rng.sample(range(N), P),
        "p-primary-all-secondary": rng.sample(range(N), P),
        "s-secondary": [],
        "p-1-primary-s-secondary": rng.sample(range(N), P - 1),
    }[scenario]
    keep_secondary = {
        "p-primary": [],
        "p-primary-all-secondary": list(range(N)),
        "s-secondary": rng.sample(range(N), S),
        "p-1-primary-s-secondary": rng.sample(range(N), S),
    }[scenario]
    _keep_only(out, keep_primary, keep_secondary)
    target = tmp_path / "restored" / "copy.bin"
    extra = [] if check is None else ["--consistency-check", check]
    proc = run_cli("decode", out, "--out", target, *extra)
    assert proc.returncode == 0, proc.stderr
    assert target.read_bytes() == blob.read_bytes()
    assert morsa.blob_id(blob, N) in proc.stdout
    assert sorted(p.name for p in target.parent.iterdir()) == ["copy.bin"]


def test_decode_empty_blob(run_cli, tmp_path):
    empty = tmp_path / "empty.bin"
    empty.write_bytes(b"")
    _encode(run_cli, empty, tmp_path / "s")
    _keep_only(tmp_path / "s", [0, 5, 6, 9], [])
    proc = run_cli("decode", tmp_path / "s", "--out", tmp_path / "copy")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "copy").read_bytes() == b""


def test_decode_too_few_slivers(run_cli, blob, tmp_path):
    out = tmp_path / "slivers"
    _encode(run_cli, blob, out)
    rng = random.Random(5)
    _keep_only(out, rng.sample(range(N), P - 1), rng.sample(range(N), S - 1))
    target_dir = tmp_path / "restored"
    target_dir.mkdir()
    (target_dir / "other.txt").write_text("untouched")
    target = target_dir / "copy.bin"
    proc = run_cli("decode", out, "--out", target)
    err = _assert_one_line_error(proc, f"{P} valid primary", f"{S} valid secondary")
    assert f"found {P - 1} primary and {S - 1} secondary" in err
    assert not target.exists()
    assert [p.name for p in target_dir.iterdir()] == ["other.txt"]  # no temporary files left
    assert proc.stdout == ""


def test_decode_into_missing_directory_leaves_nothing(run_cli, blob, tmp_path):
    out = tmp_path / "slivers"
    _encode(run_cli, blob, out)
    _keep_only(out, [], [])
    target = tmp_path / "copy.bin"
    proc = run_cli("decode", out, "--out", target)
    assert proc.returncode == 2
    assert not target.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blob.bin", "slivers"]


@pytest.mark.parametrize("corruption", ["flipped-byte", "truncated", "empty", "other-blob"])
def test_decode_skips_corrupted_sliver_with_warning(run_cli, blob, tmp_path, corruption):
    out = tmp_path / "slivers"
    _encode(run_cli, blob, out)
    kept = [1, 3, 6, 7, 8]  # P + 1 primary slivers, no secondary ones
    assert len(kept) == P + 1
    _keep_only(out, kept, [])
    victim = out / "primary-3.bcs"
    raw = bytearray(victim.read_bytes())
    if corruption == "flipped-byte":
        raw[len(raw) // 2] ^= 0x10
    elif corruption == "truncated":
        raw = raw[:-5]
    elif corruption == "empty":
        raw = bytearray()
    else:  # sliver 3 of another blob of the same size
        other = tmp_path / "other.bin"
        other.write_bytes(splitmix64(2025, blob.stat().st_size))
        _encode(run_cli, other, tmp_path / "other")
        raw = bytearray((tmp_path / "other" / "primary-3.bcs").read_bytes())
    victim.write_bytes(bytes(raw))

    target = tmp_path / "copy.bin"
    proc = run_cli("decode", out, "--out", target)
    assert proc.returncode == 0, proc.stderr
    assert target.read_bytes() == blob.read_bytes()
    warnings = [line for line in proc.stderr.splitlines() if "warning" in line]
    assert len(warnings) == 1 and "primary-3.bcs" in warnings[0], proc.stderr
    assert "Traceback" not in proc.stderr

    # With one more sliver gone there are too few valid ones left.
    (out / "primary-8.bcs").unlink()
    proc = run_cli("decode", out, "--out", tmp_path / "copy2.bin")
    _assert_one_line_error_or_warnings(proc, "primary-3.bcs", f"{P} valid primary")
    assert not (tmp_path / "copy2.bin").exists()


def _assert_one_line_error_or_warnings(proc, warned: str, needle: str) -> None:
    """Exit 2 with one error line, possibly preceded by warnings about skipped files."""
    assert proc.returncode == 2, proc.stdout
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    errors = [line for line in lines if "error" in line]
    assert len(errors) == 1 and needle in errors[0], proc.stderr
    assert all("warning" in line for line in lines if line not in errors)
    assert any(warned in line for line in lines)


def test_decode_without_metadata(run_cli, tmp_path):
    (tmp_path / "d").mkdir()
    _assert_one_line_error(run_cli("decode", tmp_path / "d", "--out", tmp_path / "x"), "metadata.bcs")
    _assert_one_line_error(run_cli("decode", tmp_path / "nodir", "--out", tmp_path / "x"), "nodir")
    assert not (tmp_path / "x").exists()


def test_decode_with_corrupted_metadata(run_cli, blob, tmp_path):
    out = tmp_path / "slivers"
    _encode(run_cli, blob, out)
    raw = bytearray((out / "metadata.bcs").read_bytes())
    raw[40] ^= 1
    (out / "metadata.bcs").write_bytes(bytes(raw))
    _assert_one_line_error(run_cli("decode", out, "--out", tmp_path / "x"), "metadata.bcs")
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize(
    "command",
    [
        ["read", "x" * 43, "--out", "out.bin"],
        ["devnet", "up"],
        ["quilt", "build", ".", "--out", "q.bin"],
        ["info"],
    ],
)
@pytest.mark.parametrize("n_shards", ["3", "49156", "ten"])
def test_every_n_shards_option_checks_its_range(run_cli, tmp_path, command, n_shards):
    # `read --n-shards` once took any int; every command now shares one argument type.
    proc = run_cli(*command, "--n-shards", n_shards, cwd=tmp_path)
    assert proc.returncode == 2
    assert "--n-shards" in proc.stderr and ("out of range" in proc.stderr or "not a whole number" in proc.stderr)
    assert not (tmp_path / "out.bin").exists() and not (tmp_path / "q.bin").exists()


def test_the_command_line_is_one_package_and_no_library_module_imports_it():
    import ast
    import pkgutil

    root = Path(morsa.__file__).parent
    assert (root / "cli" / "__init__.py").is_file()
    for legacy in ("quilt_cli", "network_cli", "rewards_cli", "node/cli", "chain/cli"):
        assert not (root / f"{legacy}.py").exists(), legacy
    offenders = []
    for info in pkgutil.walk_packages([str(root)], "morsa."):
        # `python -m morsa` is the command itself.
        if info.name in ("morsa.cli", "morsa.__main__") or info.name.startswith("morsa.cli."):
            continue
        path = root.joinpath(*info.name.split(".")[1:])
        source = path / "__init__.py" if info.ispkg else path.with_suffix(".py")
        if not source.exists():
            continue
        for node in ast.walk(ast.parse(source.read_text())):
            names = []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""] + [a.name for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            if any(n == "cli" or n.startswith("cli.") or n.startswith("morsa.cli") for n in names):
                offenders.append(f"{info.name}: {ast.dump(node)[:80]}")
    assert offenders == []


def test_a_blob_id_starting_with_a_dash_is_a_value_not_an_option(run_cli, tmp_path):
    # Regression: one blob ID in 64 starts with '-' (base64url); argparse took it for an
    # unknown option ("the following arguments are required: BLOB_ID").
    i = 0
    while not (dashed := morsa.blob_id(str(i).encode(), 10)).startswith("-"):
        i += 1
    data = tmp_path / "data.bin"
    data.write_bytes(str(i).encode())
    proc = run_cli("verify", "--n-shards", "10", str(data), dashed)
    assert proc.returncode == 0 and "OK" in proc.stdout, proc.stderr
    proc = run_cli("verify", "--n-shards", "10", str(data), "-" + "A" * 42)
    assert proc.returncode in (1, 2) and "required" not in proc.stderr and "unrecognized" not in proc.stderr
