"""Every failure a client call can meet on the network surfaces as a ``morsa.MorsaError``
subclass exported by ``morsa`` (:class:`morsa.TransportError`, :class:`morsa.RemoteError`,
both :class:`morsa.NetworkError`), with the original error kept as ``__cause__``: a refused
connection, a server that hangs up, one that never answers, malformed answers. Each fake server
binds to loopback and stops with its test."""

from __future__ import annotations

import contextlib
import errno
import socket
import threading
from collections.abc import Callable, Iterator

import pytest

import morsa
from morsa.client import Client
from morsa.net.aggregator import AggregatorClient
from morsa.net.sync import run_sync
from morsa.net.transport import Http

BLOB_ID = morsa.blob_id(b"network errors", 10)


@pytest.fixture(autouse=True)
def _own_cache(tmp_path, monkeypatch):
    # No committee cached by an earlier run can answer for a fake server.
    monkeypatch.setenv("MORSA_CACHE_DIR", str(tmp_path / "cache"))


@contextlib.contextmanager
def serve(handle: Callable[[socket.socket], None]) -> Iterator[str]:
    """A loopback TCP server calling ``handle(connection)`` for each connection; yields its URL."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                with contextlib.suppress(OSError):
                    handle(conn)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(5)
        listener.close()


def read_request(conn: socket.socket) -> bytes:
    conn.settimeout(5)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def answer(status: str, body: bytes, content_type: str = "application/json") -> Callable[[socket.socket], None]:
    def handle(conn: socket.socket) -> None:
        read_request(conn)
        head = f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        conn.sendall(head.encode() + body)

    return handle


def hang_up(conn: socket.socket) -> None:
    read_request(conn)  # then close without answering


def never_answer(conn: socket.socket) -> None:
    read_request(conn)
    threading.Event().wait(3)


def closed_port() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def client(url: str) -> Client:
    return Client(url, timeout=1.0, retry_seconds=0.3)


def assert_network_error(error: BaseException, kind: type[morsa.NetworkError]) -> None:
    assert isinstance(error, kind) and isinstance(error, morsa.NetworkError) and isinstance(error, morsa.MorsaError)
    assert getattr(morsa, kind.__name__) is kind, "exported by morsa"
    assert str(error)


def test_the_network_errors_are_exported_by_morsa():
    for name in ("NetworkError", "TransportError", "RemoteError", "ClientError", "DevnetError"):
        cls = getattr(morsa, name)
        assert issubclass(cls, morsa.MorsaError), name
        assert name in morsa.__all__


def test_a_refused_connection_is_a_transport_error():
    url = closed_port()
    with pytest.raises(morsa.TransportError) as info:
        client(url).committee()
    assert_network_error(info.value, morsa.TransportError)
    assert url in str(info.value) and info.value.__cause__ is not None


def test_a_server_that_hangs_up_is_a_transport_error():
    with serve(hang_up) as url, pytest.raises(morsa.TransportError) as info:
        client(url).read(BLOB_ID)
    assert_network_error(info.value, morsa.TransportError)


def test_a_server_that_never_answers_times_out_as_a_transport_error():
    with serve(never_answer) as url, pytest.raises(morsa.TransportError) as info:
        client(url).blob_status(BLOB_ID)
    assert_network_error(info.value, morsa.TransportError)


@pytest.mark.parametrize(
    "status, body",
    [
        ("200 OK", b"this is not JSON"),
        ("200 OK", b'{"success": "not an object"}'),
        ("502 Bad Gateway", b"<html>proxy error</html>"),
        ("200 OK", b'{"success": {"code": 200, "data": {"epoch": "five"}}}'),
        ("200 OK", b'{"success": {"code": 200, "data": []}}'),
    ],
)
def test_malformed_answers_are_remote_errors(status, body):
    with serve(answer(status, body)) as url:
        with pytest.raises(morsa.NetworkError) as info:
            client(url).committee()
        assert_network_error(info.value, type(info.value))
        with pytest.raises(morsa.NetworkError):
            client(url).blob_status(BLOB_ID)


def test_an_aggregator_that_answers_garbage_is_a_morsa_error():
    with serve(answer("200 OK", b"not the blob", "application/octet-stream")) as url:
        aggregator = AggregatorClient(Http(timeout=1.0), url, 10)
        with pytest.raises(morsa.MorsaError):
            run_sync(aggregator.read(BLOB_ID))
    with pytest.raises(morsa.TransportError):
        run_sync(AggregatorClient(Http(timeout=1.0), closed_port(), 10).read(BLOB_ID))


def cut_short(conn: socket.socket) -> None:
    """Promises 100 bytes, sends 10, hangs up."""
    read_request(conn)
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 100\r\n\r\n0123456789")


def test_an_answer_cut_short_while_streamed_is_a_transport_error(tmp_path):
    async def read_all(url: str) -> bytes:
        async with Http(timeout=2.0).stream("GET", url) as answer:
            return b"".join([chunk async for chunk in answer.content.iter_chunked(1 << 10)])

    with serve(cut_short) as url, pytest.raises(morsa.TransportError) as info:
        run_sync(read_all(url))
    assert_network_error(info.value, morsa.TransportError)
    assert info.value.__cause__ is not None and info.value.url == url
    # Through the aggregator, nothing is left where the blob was to go.
    target = tmp_path / "blob.bin"
    with serve(cut_short) as url, pytest.raises(morsa.TransportError):
        run_sync(AggregatorClient(Http(timeout=2.0), url, 10).read_to(BLOB_ID, target))
    assert not target.exists()


def test_the_callers_own_os_error_while_streaming_is_not_a_transport_error():
    # A local file that cannot be written is not the network's fault: it stays an OSError.
    async def write_fails(url: str) -> None:
        async with Http(timeout=2.0).stream("GET", url) as answer:
            await answer.content.read(1)
            raise OSError(errno.ENOSPC, "No space left on device")

    with serve(answer("200 OK", b"0123456789", "application/octet-stream")) as url, pytest.raises(OSError) as info:
        run_sync(write_fails(url))
    assert not isinstance(info.value, morsa.MorsaError) and info.value.errno == errno.ENOSPC
