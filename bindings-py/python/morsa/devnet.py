"""A one-command local network: the control plane, N storage nodes and a client daemon as
separate processes on loopback (docs/network.md).

``Devnet.up(directory, n_nodes)`` writes every config into ``directory``, starts the
processes (logs in ``directory/logs``), waits until each answers its health check, and records
everything in ``directory/devnet.json``. State is durable: ``up`` on a stopped devnet's
directory restarts it with what it stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import morsa

from . import _native
from ._types import SignatureScheme
from .client import Client
from .net.accounts import new_key_file
from .net.control import HttpControlPlane
from .net.server import free_port
from .net.sync import run_sync
from .net.transport import Http
from .node.config import bls_key_of_seed

STATE_FILE = "devnet.json"
_PROBES = Http(timeout=5.0)
DEFAULT_NODES = 10
DEFAULT_STAKE = 1_000_000 * 10**9  # FROST
DEFAULT_KEY_SERVERS = 3
"""Seal key servers a devnet starts (docs/private-blobs.md)."""
DEFAULT_SEAL_THRESHOLD = 2
"""Key servers a private blob needs, by default: any 2 of the 3."""
FUNDING = 10**15
"""FROST credited to the devnet's default and publisher accounts at start (the faucet's cap)."""


def _write_private(path: Path, text: str) -> None:
    """Write a file that holds secrets (seeds, the admin token) readable by its owner only,
    from its creation on."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.chmod(path, 0o600)


def default_directory() -> Path:
    """``$MORSA_DEVNET_DIR``, else ``$XDG_STATE_HOME/morsa/devnet`` (``~/.local/state/morsa/devnet``)."""
    if os.environ.get("MORSA_DEVNET_DIR"):
        return Path(os.environ["MORSA_DEVNET_DIR"])
    base = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    return base / "morsa" / "devnet"


class DevnetError(morsa.MorsaError):
    """A devnet that cannot be started, found or stopped."""


@dataclass
class Process:
    """A devnet process: its name, URL, command line and PID (0 when stopped)."""

    name: str
    url: str
    command: list[str]
    log: str
    pid: int = 0
    health: str = "/v1/health"


@dataclass
class Devnet:
    """A local network described by ``directory/devnet.json``."""

    directory: str
    n_shards: int
    admin_token: str
    chain: Process
    nodes: list[Process]
    daemon: Process
    account_key: str = ""
    """The key file of the devnet's default account (funded at start): what `morsa store`
    pays with."""
    publisher_key: str = ""
    """The key file of the account the publisher pays with (funded at start)."""
    extra: dict[str, Any] = field(default_factory=dict)
    key_servers: list[Process] = field(default_factory=list)
    """Seal key servers (docs/private-blobs.md); none in a devnet created before they existed."""

    @property
    def chain_url(self) -> str:
        return self.chain.url

    @property
    def daemon_url(self) -> str:
        return self.daemon.url

    # ---- persistence

    def save(self) -> None:
        path = Path(self.directory) / STATE_FILE
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self), indent=2))
        os.replace(tmp, path)

    @staticmethod
    def load(directory: str | os.PathLike[str] | None = None) -> Devnet:
        directory = Path(directory) if directory else default_directory()
        path = directory / STATE_FILE
        try:
            raw = json.loads(path.read_text())
        except FileNotFoundError:
            raise DevnetError(f"no devnet in {directory} (start one with 'morsa devnet up')") from None
        except ValueError as e:
            raise DevnetError(f"{path}: not a devnet state file (not JSON: {e})") from None
        try:
            return Devnet(
                directory=raw["directory"],
                n_shards=raw["n_shards"],
                admin_token=raw["admin_token"],
                chain=Process(**raw["chain"]),
                nodes=[Process(**n) for n in raw["nodes"]],
                daemon=Process(**raw["daemon"]),
                account_key=raw.get("account_key") or str(directory / "account.key"),
                publisher_key=raw.get("publisher_key") or str(directory / "publisher.key"),
                extra=raw.get("extra", {}),
                key_servers=[Process(**k) for k in raw.get("key_servers", [])],
            )
        except (KeyError, TypeError, AttributeError) as e:
            raise DevnetError(f"{path}: not a devnet state file ({type(e).__name__}: {e})") from None

    # ---- creation

    @staticmethod
    def create(
        directory: str | os.PathLike[str],
        n_nodes: int = DEFAULT_NODES,
        n_shards: int = morsa.MAINNET_N_SHARDS,
        epoch_duration_ms: int = 0,
        signatures: str = "ed25519",
        key_servers: int = DEFAULT_KEY_SERVERS,
        seal_threshold: int = DEFAULT_SEAL_THRESHOLD,
    ) -> Devnet:
        """Write the configs of a new devnet (nothing is started). With ``epoch_duration_ms``,
        epochs change on that timer (fixed at creation, as a network's epoch duration is);
        with 0, only on demand (:meth:`advance_epoch`, ``morsa devnet epoch``). ``signatures``
        (``"ed25519"``, or ``"bls"`` as Walrus): how nodes sign confirmations and invalid-blob
        attestations and how the control plane verifies certificates; each node registers its
        BLS key with a proof of possession (SPEC §10.2). ``key_servers`` Seal key servers are
        registered at genesis, private blobs needing ``seal_threshold`` of them
        (docs/private-blobs.md). Raises :class:`DevnetError` and
        :class:`morsa.InvalidArgumentError` (an unknown scheme)."""
        scheme = _native.signature_scheme(signatures)
        if epoch_duration_ms < 0:
            raise DevnetError("the epoch duration cannot be negative")
        if n_nodes < 1:
            raise DevnetError("a devnet needs at least one storage node")
        morsa.EncodingConfig(n_shards)  # raises EncodingError for an unusable shard count
        if n_nodes > n_shards:
            raise DevnetError(f"{n_nodes} nodes cannot share {n_shards} shards")
        if key_servers and not 1 <= seal_threshold <= key_servers:
            raise DevnetError(f"a threshold of {seal_threshold} needs between 1 and {key_servers} key servers")
        root = Path(directory).resolve()
        (root / "logs").mkdir(parents=True, exist_ok=True)
        python = [sys.executable, "-m", "morsa"]
        chain_port = free_port()
        chain_url = f"http://127.0.0.1:{chain_port}"
        admin_token = secrets.token_hex(16)
        node_specs = []
        nodes = []
        for i in range(n_nodes):
            name = f"node-{i}"
            port = free_port()
            seed = secrets.token_bytes(32)
            config = {
                "name": name,
                "host": "127.0.0.1",
                "port": port,
                "data_dir": str(root / name),
                "seed": seed.hex(),
                "chain_url": chain_url,
            }
            config_path = root / f"{name}.json"
            _write_private(config_path, json.dumps(config, indent=2))
            url = f"http://127.0.0.1:{port}"
            public_key = morsa.SigningKey(seed).public_key
            spec = {"name": name, "url": url, "public_key": public_key.hex(), "stake": DEFAULT_STAKE}
            if scheme == "bls12381":
                bls_key = bls_key_of_seed(seed)
                spec["bls_public_key"] = bls_key.public_key.hex()
                spec["bls_proof_of_possession"] = bls_key.proof_of_possession(0, public_key).hex()
            node_specs.append(spec)
            nodes.append(
                Process(name, url, [*python, "node", "run", "--config", str(config_path)], str(root / "logs" / f"{name}.log"))
            )
        key_server_specs, key_server_processes = [], []
        for i in range(key_servers):
            name, port, seed = f"keyserver-{i}", free_port(), secrets.token_bytes(32)
            ks_config = {"name": name, "host": "127.0.0.1", "port": port, "seed": seed.hex(), "chain_url": chain_url}
            ks_path = root / f"{name}.json"
            _write_private(ks_path, json.dumps(ks_config, indent=2))
            url = f"http://127.0.0.1:{port}"
            key_server_specs.append({"name": name, "url": url, "public_key": _native.SealMasterKey.from_seed(seed).public_key.hex()})
            key_server_processes.append(
                Process(name, url, [*python, "keyserver", "run", "--config", str(ks_path)], str(root / "logs" / f"{name}.log"))
            )
        chain_config = {
            "data_dir": str(root / "chain"),
            "admin_token": admin_token,
            "n_shards": n_shards,
            "host": "127.0.0.1",
            "port": chain_port,
            "epoch_duration_ms": epoch_duration_ms,
            "faucet": True,
            "signature_scheme": scheme,
            "nodes": node_specs,
            "key_servers": key_server_specs,
            "seal_threshold": seal_threshold,
        }
        chain_config_path = root / "chain.json"
        _write_private(chain_config_path, json.dumps(chain_config, indent=2))
        chain = Process(
            "chain", chain_url, [*python, "chain", "run", "--config", str(chain_config_path)], str(root / "logs" / "chain.log")
        )
        account_key = root / "account.key"
        publisher_key = root / "publisher.key"
        new_key_file(account_key)
        new_key_file(publisher_key)
        daemon_port = free_port()
        daemon = Process(
            "daemon",
            f"http://127.0.0.1:{daemon_port}",
            [
                *python, "daemon", "run", "--chain", chain_url, "--port", str(daemon_port),
                "--account-key", str(publisher_key), "--cache-dir", str(root / "aggregator-cache"),
            ],
            str(root / "logs" / "daemon.log"),
            health="/status",
        )
        devnet = Devnet(
            str(root), n_shards, admin_token, chain, nodes, daemon, str(account_key), str(publisher_key), key_servers=key_server_processes
        )
        devnet.save()
        return devnet

    # ---- processes

    def processes(self) -> list[Process]:
        return [self.chain, *self.nodes, *self.key_servers, self.daemon]

    @staticmethod
    def alive(process: Process) -> bool:
        """Whether the process runs (a process that exited but was not reaped, a zombie, does
        not: devnet processes outlive the command that started them)."""
        if process.pid <= 0:
            return False
        try:
            os.kill(process.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        try:
            pid, _ = os.waitpid(process.pid, os.WNOHANG)  # our own child: reap it if it exited
            if pid != 0:
                return False
        except ChildProcessError:
            pass
        try:
            stat = Path(f"/proc/{process.pid}/stat").read_text()
        except OSError:
            return True  # no procfs: the signal test above is all we know
        return stat.rpartition(")")[2].split()[0] not in ("Z", "X")

    def healthy(self, process: Process, timeout: float = 1.0) -> bool:
        """Whether the process answers its health check within ``timeout`` seconds."""
        return run_sync(_PROBES.probe(process.url + process.health, timeout=timeout))

    def start(self, process: Process, *, wait: float | None = 60.0) -> None:
        """Start one process (if it is not running) and wait up to ``wait`` seconds until it
        is healthy (``None``: do not wait)."""
        if not self.alive(process):
            with open(process.log, "ab") as log:
                child = subprocess.Popen(
                    process.command,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    start_new_session=True,
                    cwd=self.directory,
                )
            process.pid = child.pid
            self.save()
        if wait is None:
            return
        deadline = time.monotonic() + wait
        while not self.healthy(process):
            if not self.alive(process):
                raise DevnetError(f"{process.name} exited; see {process.log}")
            if time.monotonic() > deadline:
                raise DevnetError(f"{process.name} did not become healthy within {wait:.0f} s; see {process.log}")
            time.sleep(0.1)

    def stop(self, process: Process, *, sig: int = signal.SIGTERM, wait: float = 10.0) -> None:
        """Stop one process: ``sig`` (SIGTERM by default, SIGKILL to simulate a crash), then
        SIGKILL if it has not exited within ``wait`` seconds."""
        self.stop_all([process], sig=sig, wait=wait)

    def stop_all(self, processes: list[Process], *, sig: int = signal.SIGTERM, wait: float = 10.0) -> None:
        """Signal every process at once, wait up to ``wait`` seconds, then SIGKILL the rest."""
        running = [p for p in processes if self.alive(p)]
        for process in running:
            try:
                os.killpg(process.pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + wait
        while any(self.alive(p) for p in running) and time.monotonic() < deadline:
            time.sleep(0.05)
        for process in running:
            if self.alive(process):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
        while any(self.alive(p) for p in running):
            time.sleep(0.05)
        for process in processes:
            process.pid = 0
        self.save()

    def up(self) -> None:
        """Start everything not running: the control plane, the nodes, the daemon."""
        chain_config = Path(self.directory) / "chain.json"
        if chain_config.exists():  # devnets from before the faucet became devnet-only
            raw = json.loads(chain_config.read_text())
            if "faucet" not in raw:
                raw["faucet"] = True
                chain_config.write_text(json.dumps(raw, indent=2))
        self.start(self.chain)
        for process in [*self.nodes, *self.key_servers]:
            self.start(process, wait=None)
        for process in [*self.nodes, *self.key_servers]:
            self.start(process)
        for key in (self.account_key, self.publisher_key):
            if not Path(key).exists():  # a devnet created before accounts were keys
                new_key_file(key)
            client = Client(self.chain_url, account=key)
            if client.balance() == 0:
                client.faucet(FUNDING, admin_token=self.admin_token)
        self.start(self.daemon)

    def down(self) -> None:
        """Stop every process (the control plane last)."""
        self.stop_all([self.daemon, *self.nodes, *self.key_servers])
        self.stop(self.chain)

    def node(self, name: str) -> Process:
        """A storage node or key server by name."""
        for node in [*self.nodes, *self.key_servers]:
            if node.name == name:
                return node
        names = ", ".join(n.name for n in [*self.nodes, *self.key_servers])
        raise DevnetError(f"no node or key server named {name!r} (there are: {names})")

    def status(self) -> list[dict[str, Any]]:
        """Every process: name, URL, PID, whether it runs and whether it answers its health
        check (all checked at once)."""
        processes = self.processes()

        async def probe_all() -> list[bool]:
            return list(await asyncio.gather(*(_PROBES.probe(p.url + p.health) for p in processes)))

        healthy = run_sync(probe_all())
        return [
            {"name": p.name, "url": p.url, "pid": p.pid, "running": self.alive(p), "healthy": ok}
            for p, ok in zip(processes, healthy)
        ]

    def client(self, **kwargs: Any) -> Client:
        """A client of this devnet paying with its default account (``account=`` another)."""
        return Client(self.chain_url, **{"account": self.account_key, **kwargs})

    def advance_epoch(self) -> dict[str, Any]:
        """End the current epoch now (the devnet's admin token): rewards are distributed and
        the next committee, selected by stake, takes over. Returns the epoch-change summary."""
        control = HttpControlPlane(self.chain_url)
        return run_sync(control.advance_epoch(self.admin_token))

    def _chain_config(self) -> dict[str, Any]:
        try:
            config: dict[str, Any] = json.loads((Path(self.directory) / "chain.json").read_text())
            return config
        except (OSError, ValueError) as e:
            raise DevnetError(f"{self.directory}: cannot read chain.json: {e}") from None

    @property
    def epoch_duration_ms(self) -> int:
        """The epoch timer's period (0: epochs change only on demand)."""
        return int(self._chain_config().get("epoch_duration_ms", 0))

    @property
    def signature_scheme(self) -> SignatureScheme:
        """How the committee signs: ``"ed25519"`` or ``"bls12381"`` (fixed at creation)."""
        return "bls12381" if self._chain_config().get("signature_scheme") == "bls12381" else "ed25519"

    def node_config(self, name: str) -> Path:
        """The config file of the storage node ``name`` (its key: the operator's account)."""
        self.node(name)
        return Path(self.directory) / f"{name}.json"

    def fund(self, address: str, amount: int = 10**15) -> int:
        """Credit an account from the faucet (the devnet's admin token); returns its balance."""
        control = HttpControlPlane(self.chain_url)
        return run_sync(control.faucet(address, amount, self.admin_token))


def up(
    directory: str | os.PathLike[str] | None = None,
    n_nodes: int = DEFAULT_NODES,
    n_shards: int = morsa.MAINNET_N_SHARDS,
    epoch_duration_ms: int | None = None,
    signatures: str | None = None,
    key_servers: int | None = None,
    seal_threshold: int | None = None,
) -> Devnet:
    """Start a devnet in ``directory``, creating it if needed (``epoch_duration_ms``: the
    epoch timer of a new devnet, default 0, on demand only; ``signatures``: ``"ed25519"``
    (default) or ``"bls"``; an existing devnet keeps its own and refuses others)."""
    directory = Path(directory) if directory else default_directory()
    if (directory / STATE_FILE).exists():
        devnet = Devnet.load(directory)
        if epoch_duration_ms is not None and epoch_duration_ms != devnet.epoch_duration_ms:
            raise DevnetError(
                f"the devnet in {directory} changes epochs every {devnet.epoch_duration_ms / 1000:g} s (0: on demand); "
                "the epoch duration is fixed when a devnet is created"
            )
        if signatures is not None and _native.signature_scheme(signatures) != devnet.signature_scheme:
            raise DevnetError(
                f"the devnet in {directory} signs with {devnet.signature_scheme}; the signature scheme is fixed when a devnet is created"
            )
    else:
        devnet = Devnet.create(
            directory,
            n_nodes,
            n_shards,
            epoch_duration_ms or 0,
            signatures or "ed25519",
            DEFAULT_KEY_SERVERS if key_servers is None else key_servers,
            DEFAULT_SEAL_THRESHOLD if seal_threshold is None else seal_threshold,
        )
    try:
        devnet.up()
    except BaseException:
        devnet.down()
        raise
    return devnet
