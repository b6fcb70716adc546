"""Websocket limits, checked from outside against live ASGI servers on PostgreSQL and Redis.

Bad frames close the socket with 1003/1007 and the socket leaves its post's group; a message
over the size limit closes with 1009, messages over the rate with 1008; a client over its
connection cap is refused at the handshake; the Origin must match scheme, host and port;
2,000 sockets opened 200 at a time are all accepted and all leave the group when they close
at once; broadcasts from synchronous code reuse one Redis connection.
"""

import asyncio
import json
import resource
from contextlib import ExitStack, suppress

import pytest
import redis
from django.conf import settings
from websockets.asyncio.client import connect as connect_async
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from apps.content.realtime import broadcast_to_post
from tests.content.factories import make_post
from tests.live import AsgiServer, wait_until
from tests.websocket_client import open_post_socket, receive_first

pytestmark = pytest.mark.django_db(transaction=True)

# The strict server's limits: 1 KiB messages, 5 at once and (nearly) no refill, so the count
# of answered messages is exact; 3 sockets per client.
STRICT_MAX_BYTES = 1024
STRICT_BURST = 5
TRUSTED_ORIGIN = "https://app.keel.example"
CAP = 3
LOAD_SOCKETS = 2000
LOAD_BATCH = 200
# The load test stops by itself after this long, whatever happens (it takes ~15 s here).
LOAD_DEADLINE = 120


def _start(tmp_path_factory, name: str, env: dict[str, str]) -> AsgiServer:
    return AsgiServer(log_path=tmp_path_factory.mktemp(name) / "server.log", env=env).start()


@pytest.fixture(scope="module")
def strict_server(django_db_setup, tmp_path_factory):
    server = _start(
        tmp_path_factory,
        "strict",
        {
            "WEBSOCKET_MAX_MESSAGE_BYTES": str(STRICT_MAX_BYTES),
            "WEBSOCKET_MESSAGE_BURST": str(STRICT_BURST),
            "WEBSOCKET_MESSAGES_PER_SECOND": "0.001",
            "WEBSOCKET_MAX_CONNECTIONS_PER_CLIENT": str(CAP),
            # As behind one proxy of ours: X-Forwarded-For's last address is the client.
            "TRUSTED_PROXY_COUNT": "1",
            "DJANGO_CSRF_TRUSTED_ORIGINS": TRUSTED_ORIGIN,
        },
    )
    yield server
    server.stop()


@pytest.fixture(scope="module")
def roomy_server(django_db_setup, tmp_path_factory):
    """A server whose cap admits the load test's sockets, all from this one address."""
    # This process and the server (which inherits the limit) each hold LOAD_SOCKETS sockets.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = LOAD_SOCKETS + 1024
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, hard), hard))
    env = {"WEBSOCKET_MAX_CONNECTIONS_PER_CLIENT": str(LOAD_SOCKETS + 100)}
    server = _start(tmp_path_factory, "roomy", env)
    yield server
    server.stop()


def _group_key(post) -> str:
    prefix = settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"]
    return f"{prefix}:group:post.{post.pk}"


def group_members(post) -> int:
    """How many channels the channel layer's Redis lists in the post's group."""
    return redis.Redis.from_url(settings.REDIS_URL).zcard(_group_key(post))


def published_post():
    """A published post whose group starts empty, whatever an earlier run left in Redis
    under the same post id (the test database's ids start again at 1 each run)."""
    post = make_post(published=True)
    redis.Redis.from_url(settings.REDIS_URL).delete(_group_key(post))
    return post


def log_size(server) -> int:
    return server.log_path.stat().st_size


def log_since(server, offset: int) -> str:
    with open(server.log_path, "rb") as log:
        log.seek(offset)
        return log.read().decode(errors="replace")


def close_code_after(socket, frame) -> int:
    """Send `frame` and return the code the server closes the socket with."""
    socket.send(frame)
    with pytest.raises(ConnectionClosed):
        while True:
            socket.recv(timeout=5)
    return socket.close_code


def ping(size: int | None = None) -> str:
    """A ping message, padded to exactly `size` bytes when given."""
    message = json.dumps({"type": "ping", "pad": ""})
    return json.dumps({"type": "ping", "pad": "x" * (size - len(message))}) if size else message


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        pytest.param(b"\x00\x01binary", 1003, id="binary"),
        pytest.param("{not json", 1007, id="invalid-json"),
        pytest.param("[1, 2, 3]", 1007, id="not-an-object"),
        pytest.param("[" * 20_000 + "]" * 20_000, 1007, id="deeply-nested"),
    ],
)
def test_a_bad_frame_closes_the_socket_with_its_code_and_leaves_the_group(asgi_server, frame, code):
    post = published_post()
    offset = log_size(asgi_server)
    with open_post_socket(asgi_server, post.pk) as socket:
        assert group_members(post) == 1

        assert close_code_after(socket, frame) == code

    assert wait_until(lambda: group_members(post) == 0, timeout=10)
    assert "Traceback" not in log_since(asgi_server, offset)


def test_a_four_megabyte_message_closes_with_1009(asgi_server):
    post = published_post()
    with open_post_socket(asgi_server, post.pk) as socket:
        assert close_code_after(socket, ping(4 * 2**20)) == 1009

    assert wait_until(lambda: group_members(post) == 0, timeout=10)


def test_a_message_of_the_size_limit_passes_and_one_byte_more_closes_with_1009(strict_server):
    post = published_post()
    offset = log_size(strict_server)
    with open_post_socket(strict_server, post.pk) as socket:
        socket.send(ping(STRICT_MAX_BYTES))
        assert receive_first(socket, message_type="pong", timeout=5) == {"type": "pong"}

        assert close_code_after(socket, ping(STRICT_MAX_BYTES + 1)) == 1009

    assert wait_until(lambda: group_members(post) == 0, timeout=10)
    assert "Traceback" not in log_since(strict_server, offset)


def test_messages_beyond_the_burst_close_the_socket_with_1008(strict_server):
    post = published_post()
    with open_post_socket(strict_server, post.pk) as socket:
        for _ in range(20):
            socket.send(ping())
        pongs = 0
        with pytest.raises(ConnectionClosed):
            while True:
                # The post's own events (its publication, dispatched by a worker another
                # test started) may arrive among the pongs.
                message = json.loads(socket.recv(timeout=5))
                pongs += message == {"type": "pong"}

    assert pongs == STRICT_BURST
    assert socket.close_code == 1008
    assert wait_until(lambda: group_members(post) == 0, timeout=10)


def test_three_hundred_messages_at_once_are_cut_off_with_1008(asgi_server):
    post = published_post()
    with open_post_socket(asgi_server, post.pk) as socket:
        # On a loaded machine the server may cut the socket off before the burst is out.
        with suppress(ConnectionClosed):
            for _ in range(300):
                socket.send(ping())
        pongs = 0
        with pytest.raises(ConnectionClosed):
            while True:
                socket.recv(timeout=5)
                pongs += 1

    assert pongs < 300
    assert socket.close_code == 1008


def test_a_client_over_its_connection_cap_is_refused_until_one_closes(strict_server):
    post = published_post()
    with ExitStack() as sockets:
        opened = []

        def one_more_opens() -> bool:
            # Retried: the server counts a socket closed by an earlier test out just after
            # its close handshake, not before.
            try:
                opened.append(sockets.enter_context(open_post_socket(strict_server, post.pk)))
            except InvalidStatus:
                return False
            return True

        for _ in range(CAP):
            assert wait_until(one_more_opens, timeout=10)

        with pytest.raises(InvalidStatus) as refused:
            open_post_socket(strict_server, post.pk)
        assert refused.value.response.status_code == 403

        opened.pop(0).close()

        assert wait_until(one_more_opens, timeout=10)
        opened[-1].send(ping())
        assert receive_first(opened[-1], message_type="pong", timeout=5) == {"type": "pong"}


def test_behind_a_proxy_the_cap_counts_each_forwarded_client_apart(strict_server):
    post = published_post()
    url = f"{strict_server.ws_url}/ws/posts/{post.pk}/"

    def open_as(client: str):
        headers = {"X-Forwarded-For": f"198.51.100.1, {client}"}
        return connect(url, origin=strict_server.url, additional_headers=headers, proxy=None)

    with ExitStack() as sockets:
        for _ in range(CAP):
            sockets.enter_context(open_as("203.0.113.7"))

        with pytest.raises(InvalidStatus) as refused:
            open_as("203.0.113.7")
        assert refused.value.response.status_code == 403

        with open_as("203.0.113.8") as other_client:
            other_client.send(ping())
            assert receive_first(other_client, message_type="pong", timeout=5) == {"type": "pong"}


@pytest.mark.parametrize(
    "origin",
    [
        pytest.param("https://127.0.0.1:{port}", id="wrong-scheme"),
        pytest.param("http://127.0.0.1:{other_port}", id="wrong-port"),
        pytest.param("http://127.0.0.1", id="default-port"),
        pytest.param("null", id="opaque"),
    ],
)
def test_an_origin_differing_in_scheme_or_port_is_refused(asgi_server, origin):
    post = published_post()
    origin = origin.format(port=asgi_server.port, other_port=asgi_server.port + 1)

    with pytest.raises(InvalidStatus) as refused:
        open_post_socket(asgi_server, post.pk, origin=origin)

    assert refused.value.response.status_code == 403


@pytest.mark.parametrize(
    ("server_name", "origin"),
    [
        pytest.param("asgi_server", "http://127.0.0.1:{port}", id="own-origin"),
        pytest.param("strict_server", TRUSTED_ORIGIN, id="csrf-trusted-origin"),
    ],
)
def test_the_sites_own_origin_and_a_trusted_one_are_accepted(request, server_name, origin):
    server = request.getfixturevalue(server_name)
    post = published_post()

    with open_post_socket(server, post.pk, origin=origin.format(port=server.port)) as socket:
        socket.send(ping())
        assert receive_first(socket, message_type="pong", timeout=5) == {"type": "pong"}


def test_a_client_sending_no_origin_is_accepted(asgi_server):
    # Browsers always send Origin on websocket handshakes; without one it is not a web page.
    post = published_post()

    with connect(f"{asgi_server.ws_url}/ws/posts/{post.pk}/", open_timeout=5, proxy=None) as socket:
        socket.send(ping())
        assert receive_first(socket, message_type="pong", timeout=5) == {"type": "pong"}


def test_broadcasts_from_synchronous_code_reuse_their_redis_connection():
    client = redis.Redis.from_url(settings.REDIS_URL)
    broadcast_to_post(0, "comment.created", {"n": 0})  # the first send may connect
    before = client.info("stats")["total_connections_received"]

    for n in range(1, 21):
        broadcast_to_post(0, "comment.created", {"n": n})

    assert client.info("stats")["total_connections_received"] - before == 0


def test_two_thousand_sockets_opened_200_at_a_time_all_join_and_all_leave(roomy_server):
    post = published_post()
    url = f"{roomy_server.ws_url}/ws/posts/{post.pk}/"

    async def open_one():
        return await connect_async(url, origin=roomy_server.url, open_timeout=30, proxy=None)

    async def scenario() -> tuple[int, list[str], int]:
        sockets, failures = [], []
        for _ in range(LOAD_SOCKETS // LOAD_BATCH):
            batch = await asyncio.gather(
                *(open_one() for _ in range(LOAD_BATCH)), return_exceptions=True
            )
            sockets += [s for s in batch if not isinstance(s, BaseException)]
            failures += [repr(s) for s in batch if isinstance(s, BaseException)]
        joined = group_members(post)
        await asyncio.gather(*(s.close() for s in sockets), return_exceptions=True)
        return len(sockets), failures, joined

    opened, failures, joined = asyncio.run(asyncio.wait_for(scenario(), LOAD_DEADLINE))

    assert (len(failures), failures[:3]) == (0, [])
    assert opened == LOAD_SOCKETS
    assert joined == LOAD_SOCKETS
    wait_until(lambda: group_members(post) == 0, timeout=30)
    assert group_members(post) == 0
