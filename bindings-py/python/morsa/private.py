"""Private blobs: files encrypted with Seal to the network's key servers under an access policy,
then stored as ordinary blobs (docs/private-blobs.md).

    >>> from morsa.devnet import Devnet
    >>> private = Devnet.load().client().private
    >>> team = private.create_policy("allowlist", "team", members=["0x…"])
    >>> stored = private.store(b"quarterly numbers", policy="allowlist:team")
    >>> private.read(stored.blob_id)            # as a member: the plaintext
    b'quarterly numbers'

The blob ID is that of the *ciphertext*: anyone can still verify storage and read the bytes,
only accounts the policy approves get the key. Readers fetch the user secret key of the blob's
identity from at least ``threshold`` key servers (each answer checked against the server's
public key, in the core) and decrypt locally; up to ``n − threshold`` key servers may be down.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import _native
from .net.control import HttpControlPlane
from .net.errors import NetworkError, RemoteError
from .net.keyservers import (
    IDENTITY_NONCE_LEN,
    POLICY_KINDS,
    KeyServerClient,
    KeyServerSet,
    hex_id,
    parse_hex_id,
    policy_identity,
    policy_of_identity,
)
from .seal import ObjectInfo

if TYPE_CHECKING:
    from .client import Client, StoreResult
    from .net.accounts import Account


class PrivateBlobError(_native.MorsaError):
    """A private blob that cannot be stored or read: no key servers on the network, an unknown
    policy, too few key servers reachable, a blob that is not a private blob of this network."""


class AccessDeniedError(PrivateBlobError):
    """The blob's policy refuses this account: ``reason`` is the key servers' (``NOT_OWNER``,
    ``NOT_A_MEMBER``, ``TIME_LOCKED``, ``NO_SUBSCRIPTION``, ``SUBSCRIPTION_EXPIRED``,
    ``UNKNOWN_POLICY``), the message says why in words."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (str(self), self.reason))


@dataclass(frozen=True)
class PrivateStoreResult:
    """A stored private blob: its blob ID (of the ciphertext), the policy and the identity it is
    encrypted for, and the store's result."""

    blob_id: str
    policy_id: str
    identity: bytes
    stored: StoreResult


def is_private_blob(blob: bytes, package_id: bytes | None = None) -> bool:
    """Whether ``blob`` parses as a private blob (one Seal object or chunks), for ``package_id``
    when given."""
    try:
        info = ObjectInfo(*_native.seal_parse_blob(blob))
    except _native.MorsaError:
        return False
    return package_id is None or info.package_id == package_id


def parse_policy_spec(spec: str) -> tuple[str, str] | bytes:
    """``KIND:NAME`` (kind one of owner, allowlist, timelock, subscription) or a policy ID
    (``0x`` and 64 hex digits). Raises :class:`morsa.InvalidArgumentError`."""
    policy_id = parse_hex_id(spec)
    if policy_id is not None:
        return policy_id
    kind, colon, name = spec.partition(":")
    if not colon or kind not in POLICY_KINDS or not name:
        raise _native.InvalidArgumentError(f"{spec!r} is not a policy: give KIND:NAME (KIND: {', '.join(POLICY_KINDS)}) or a policy ID")
    return kind, name


class PrivateBlobs:
    """Private blobs on the network of ``client`` (its account owns policies and reads)."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self._key_servers: KeyServerSet | None = None

    def _control(self) -> HttpControlPlane:
        control = self.client.control
        if not isinstance(control, HttpControlPlane):
            raise PrivateBlobError("private blobs need a Morsa control plane (its policies and key servers)")
        return control

    def _account(self) -> Account:
        if self.client.account is None:
            raise PrivateBlobError("private blobs need an account (key file): policies are owned and keys released per account")
        return self.client.account

    async def anetwork_key_servers(self) -> KeyServerSet | None:
        """The network's key servers, or None when it has none (any other failure raises)."""
        if self._key_servers is None:
            found = await self._control().key_servers()
            if not found.key_servers:
                return None
            self._key_servers = found
        return self._key_servers

    async def akey_servers(self) -> KeyServerSet:
        found = await self.anetwork_key_servers()
        if found is None:
            raise PrivateBlobError(
                "this network has no key servers: private blobs need them (a devnet created before they existed: start a new one)"
            )
        return found

    def key_servers(self) -> KeyServerSet:
        """The network's key servers, default threshold and policy package (cached). Raises
        :class:`PrivateBlobError` when the network has none."""
        return self.client._sync(self.akey_servers())

    # ---- policies

    def create_policy(self, kind: str, name: str, **params: Any) -> dict[str, Any]:
        """Create a policy owned by this account (or return the one of that kind and name):
        ``members`` for an allowlist, ``unlock_ms`` or ``unlock_epoch`` for a time lock,
        ``price`` (FROST) and ``duration_epochs`` for a subscription. Raises
        :class:`~morsa.net.errors.RemoteError` (400 for missing parameters, 409 for a name
        taken by another kind)."""
        policy, _ = self.client._sync(self._control().create_policy(self._account(), kind, name, **params))
        return policy

    def policy(self, spec: str) -> dict[str, Any]:
        """A policy by ID, or ``KIND:NAME`` of this account. Raises :class:`PrivateBlobError`."""
        return self.client._sync(self.apolicy(spec))

    async def apolicy(self, spec: str, **create: Any) -> dict[str, Any]:
        """:meth:`policy`; with ``create`` parameters, a missing ``KIND:NAME`` policy is created."""
        parsed = parse_policy_spec(spec)
        control = self._control()
        if isinstance(parsed, bytes):
            try:
                return await control.policy(hex_id(parsed))
            except RemoteError as e:
                if e.status == 404:
                    raise PrivateBlobError(f"no policy {hex_id(parsed)} on this network") from None
                raise
        kind, name = parsed
        found = await control.policies(self._account().address, name)
        if found:
            if found[0]["kind"] != kind:
                raise PrivateBlobError(f"your policy {name!r} is a {found[0]['kind']} policy, not {kind}")
            return found[0]
        if not create and kind in ("timelock", "subscription"):
            needs = "unlock_epoch or unlock_ms (morsa: --unlock-epoch or --unlock-in)" if kind == "timelock" else (
                "price and duration_epochs (morsa: --price and --duration-epochs)"
            )
            raise PrivateBlobError(f"you have no {kind} policy named {name!r}; to create it, give {needs}")
        policy, _ = await control.create_policy(self._account(), kind, name, **create)
        return policy

    def edit_members(self, spec: str, *, add: list[str] = (), remove: list[str] = ()) -> dict[str, Any]:  # type: ignore[assignment]
        """Add and remove members of an allowlist this account owns; returns the policy."""

        async def go() -> dict[str, Any]:
            policy = await self.apolicy(spec)
            return await self._control().edit_policy_members(self._account(), policy["policy_id"], list(add), list(remove))

        return self.client._sync(go())

    def subscribe(self, spec: str) -> dict[str, Any]:
        """Pay a subscription policy's price to its owner: ``{"policy_id", "end_epoch", "paid", "balance"}``."""

        async def go() -> dict[str, Any]:
            policy = await self.apolicy(spec)
            return await self._control().subscribe(self._account(), policy["policy_id"])

        return self.client._sync(go())

    # ---- encryption

    async def aencrypt(self, data: bytes, policy_id: bytes, *, threshold: int | None = None, chunk_len: int | None = None) -> bytes:
        """``data`` encrypted for a new identity under ``policy_id`` to the network's key servers."""
        blob, _ = await self._encrypt(data, policy_id, threshold, chunk_len)
        return blob

    async def _encrypt(self, data: bytes, policy_id: bytes, threshold: int | None, chunk_len: int | None) -> tuple[bytes, bytes]:
        """``(blob, inner identity)``: :meth:`aencrypt` and the identity it chose."""
        servers = await self.akey_servers()
        identity = policy_identity(policy_id, os.urandom(IDENTITY_NONCE_LEN))
        pairs = [(k.object_id, k.public_key) for k in servers.key_servers]
        args = (os.urandom(32), pairs, threshold or servers.threshold, servers.package_id, identity, data)
        if chunk_len is not None:
            return await asyncio.to_thread(_native.seal_encrypt_blob, *args, chunk_len), identity
        return await asyncio.to_thread(_native.seal_encrypt_blob, *args), identity

    def encrypt(self, data: bytes, policy: str, **kwargs: Any) -> bytes:
        """``data`` encrypted under ``policy`` (``KIND:NAME`` or an ID), not stored."""

        async def go() -> bytes:
            found = await self.apolicy(policy)
            return await self.aencrypt(data, bytes.fromhex(found["policy_id"][2:]), **kwargs)

        return self.client._sync(go())

    def store(
        self,
        data_or_path: bytes | str | os.PathLike[str],
        *,
        policy: str,
        threshold: int | None = None,
        create: dict[str, Any] | None = None,
        **store: Any,
    ) -> PrivateStoreResult:
        """Encrypt ``data_or_path`` under ``policy`` (``KIND:NAME`` of this account, created
        when missing with the ``create`` parameters, or a policy ID) and store the ciphertext as
        a blob (``store``: :meth:`morsa.client.Client.store`'s options)."""
        return self.client._sync(self.astore(data_or_path, policy=policy, threshold=threshold, create=create, **store))

    async def astore(
        self,
        data_or_path: bytes | str | os.PathLike[str],
        *,
        policy: str,
        threshold: int | None = None,
        create: dict[str, Any] | None = None,
        **store: Any,
    ) -> PrivateStoreResult:
        data = data_or_path if isinstance(data_or_path, bytes) else await asyncio.to_thread(_read, data_or_path)
        found = await self.apolicy(policy, **(create or {}))
        policy_id = bytes.fromhex(found["policy_id"][2:])
        blob, identity = await self._encrypt(data, policy_id, threshold, None)
        stored = await self.client.astore(blob, **store)
        return PrivateStoreResult(stored.blob_id, found["policy_id"], identity, stored)

    # ---- decryption

    async def afetch_keys(self, info: ObjectInfo) -> list[tuple[int, bytes]]:
        """The user secret keys of ``info``'s identity from at least its threshold of key
        servers, asked at once, each answer verified against the server's public key; the
        first ``threshold`` that verify. Raises :class:`AccessDeniedError` when the policy
        refuses (more than ``n − threshold`` servers said so: the threshold cannot be reached)
        and :class:`PrivateBlobError` when too few servers answered with a key (down, a key that
        does not verify, or a refusal by too few to decide), each listed."""
        servers = await self.akey_servers()
        if info.package_id != servers.package_id:
            raise PrivateBlobError(f"the blob is encrypted for package {hex_id(info.package_id)}, not this network's policies")
        account = self._account()
        secret = _native.seal_reader_secret_key(os.urandom(32))
        reader_key = _native.seal_elgamal_public_key(secret)
        full_id = info.package_id + info.id
        keys: list[tuple[int, bytes]] = []
        denials: list[tuple[str, str]] = []
        failures: list[str] = []
        done = asyncio.Event()

        def settled() -> None:
            # Enough keys, or so many refusals that the threshold cannot be reached.
            if len(keys) >= info.threshold or len(denials) > len(info.services) - info.threshold:
                done.set()

        async def ask(index: int, object_id: bytes) -> None:
            server = servers.by_object_id(object_id)
            if server is None:
                failures.append(f"key server {hex_id(object_id)} is not one of this network's")
                return
            try:
                answer = await KeyServerClient(self.client.http, server.url).fetch_keys(account, [info.id], reader_key)
                c0, c1 = answer[info.id]
                key = await asyncio.to_thread(_native.seal_open_key_response, secret, c0, c1, full_id, server.public_key)
                keys.append((index, key))
            except RemoteError as e:
                if e.status == 403 and e.reason == "ACCESS_DENIED":
                    denials.append((str(e.metadata.get("reason", "DENIED")), e.message))
                else:
                    failures.append(f"{server.name}: {e}")
            except (NetworkError, KeyError) as e:
                failures.append(f"{server.name}: {e}")
            except _native.MorsaError as e:
                failures.append(f"{server.name} answered a key that does not verify ({e})")
            finally:
                settled()

        tasks: set[asyncio.Task[Any]] = {asyncio.create_task(ask(i, oid)) for i, (oid, _) in enumerate(info.services)}
        waiter: asyncio.Task[Any] = asyncio.create_task(done.wait())
        pending = set(tasks)
        try:
            while pending and not done.is_set():
                finished, pending = await asyncio.wait(pending | {waiter}, return_when=asyncio.FIRST_COMPLETED)
                pending.discard(waiter)
                for finished_task in finished - {waiter}:
                    error = None if finished_task.cancelled() else finished_task.exception()
                    if error is not None:
                        failures.append(f"{type(error).__name__}: {error}")
        finally:
            for task in [*tasks, waiter]:
                task.cancel()
        if len(keys) >= info.threshold:
            return sorted(keys[: info.threshold])
        n, t = len(info.services), info.threshold
        if len(denials) > n - t:
            reason, message = denials[0]
            raise AccessDeniedError(f"access denied by {len(denials)} of {n} key servers: {message}", reason)
        said = [f"refused: {message}" for _, message in denials] + failures
        raise PrivateBlobError(f"{len(keys)} of the {t} key servers needed answered with a key: " + "; ".join(said or ["no answer"]))

    async def adecrypt(self, blob: bytes) -> bytes:
        """The plaintext of a private blob (keys fetched, shares checked against every server's
        public key)."""
        try:
            info = ObjectInfo(*_native.seal_parse_blob(blob))
        except _native.MorsaError as e:
            raise PrivateBlobError(f"not a private blob: {e}") from None
        keys = await self.afetch_keys(info)
        servers = await self.akey_servers()
        public_keys: list[bytes] = []
        for object_id, _ in info.services:
            server = servers.by_object_id(object_id)
            if server is None:
                raise PrivateBlobError(f"the blob is encrypted to key server {hex_id(object_id)}, which this network does not list")
            public_keys.append(server.public_key)
        return await asyncio.to_thread(_native.seal_decrypt_blob, blob, keys, public_keys)

    def decrypt(self, blob: bytes) -> bytes:
        """:meth:`adecrypt`, synchronously."""
        return self.client._sync(self.adecrypt(blob))

    def read(self, blob_id: str) -> bytes:
        """Read a private blob (verified against its blob ID) and decrypt it. Raises
        :class:`AccessDeniedError`, :class:`PrivateBlobError` and the read's errors."""

        async def go() -> bytes:
            return await self.adecrypt(await self.client.aread(blob_id))

        return self.client._sync(go())

    def info(self, blob: bytes) -> dict[str, Any]:
        """What a private blob says of itself: policy ID, identity, threshold, key servers, chunks."""
        info = ObjectInfo(*_native.seal_parse_blob(blob))
        policy = policy_of_identity(info.id)
        return {
            "package_id": hex_id(info.package_id),
            "policy_id": None if policy is None else hex_id(policy),
            "identity": info.id.hex(),
            "threshold": info.threshold,
            "key_servers": [hex_id(o) for o, _ in info.services],
            "ciphertext_bytes": info.ciphertext_len,
            "chunks": info.chunks,
        }


def _read(path: str | os.PathLike[str]) -> bytes:
    with open(path, "rb") as f:
        return f.read()


__all__ = [
    "AccessDeniedError",
    "PrivateBlobError",
    "PrivateBlobs",
    "PrivateStoreResult",
    "is_private_blob",
    "parse_policy_spec",
]
