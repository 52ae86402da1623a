"""Hostile bytes on the wire, through the production server (gunicorn) rather than the test
client: odd methods, paths, huge or strange headers, random bodies, at the API, the short
link, the webhooks and the login. Never a 500, never a traceback in the log, nothing stored
except one click per
follower's redirect. (tests/test_hostile_input.py does the same through Flask's test
client, where it can look at each field; this covers what only a real socket carries.)"""

import json
import socket

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.faults import query
from tests.live_server import LiveServer

PATHS = [
    "/api/v1/creators", "/api/v1/campaigns", "/api/v1/campaigns/glow-serum-launch/creators",
    "/api/v1/creators/maya", "/api/v1/reports/creators", "/api/v1/links", "/api/v1/codes",
    "/webhooks/shopify", "/webhooks/woocommerce", "/webhooks/stripe", "/webhooks/generic",
    "/dashboard/login", "/dashboard", "/healthz", "/", "/SLUG", "/slug/", "/%00", "/..%2f..",
]
TABLES = ["api_key", "app_user", "creator", "campaign", "enrolment", "link", "code", "orders",
          "delivery", "refund"]
LATIN1 = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=300)
TOKEN = st.text("abcdefghijklmnopqrstuvwxyz-ABCXYZ", min_size=1, max_size=30)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=50),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=20), inner,
                                                                 max_size=5),
    max_leaves=20,
)
HEADER_NAMES = st.sampled_from([
    "Content-Type", "Authorization", "X-Api-Key", "Cookie", "User-Agent", "Referer",
    "X-Forwarded-For", "X-Shopify-Hmac-Sha256", "X-Shopify-Topic", "X-WC-Webhook-Signature",
    "Stripe-Signature", "X-Tracker-Signature", "X-Tracker-Event-Id", "Accept", "Range",
    "Transfer-Encoding", "Expect", "Content-Encoding", "Origin",
]) | TOKEN
HEADER_VALUES = LATIN1 | st.sampled_from([
    "application/json", "application/x-www-form-urlencoded", "multipart/form-data; boundary=",
    "Bearer ", "Bearer " + "a" * 5000, "t=1,v1=zz", "sha256=" + "0" * 64, "x" * 7000,
    "../../etc/passwd", "identity", "gzip", "100-continue", "bytes=0-0,-1",
])


@st.composite
def requests(draw, slug):
    """One raw HTTP/1.1 request as bytes."""
    method = draw(st.sampled_from(["GET", "GET", "POST", "PATCH", "PUT", "DELETE", "HEAD",
                                   "OPTIONS"]) | TOKEN.map(str.upper))
    path = draw(st.sampled_from(PATHS) | st.just("/SLUG")
                | LATIN1.map(lambda t: "/" + t.replace(" ", "%20")))
    path = path.replace("SLUG", slug).replace("slug", slug)
    if draw(st.booleans()):
        path += "?" + draw(st.sampled_from(["campaign=", "from=", "limit=", "format=",
                                            "creator="])) + draw(LATIN1).replace(" ", "+")
    body = draw(st.binary(max_size=2000) | JSON.map(lambda v: json.dumps(v).encode())
                | st.just(b""))
    headers = draw(st.lists(st.tuples(HEADER_NAMES, HEADER_VALUES), max_size=6))
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close",
             f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value.strip()}" for name, value in headers
              if name.lower() not in ("content-length", "transfer-encoding", "host")]
    return "\r\n".join(lines).encode("latin-1") + b"\r\n\r\n" + body


def send(port, raw):
    """(status, head) of the answer; status 0 if the server closed without one."""
    with socket.create_connection(("127.0.0.1", port), timeout=15) as s:
        s.sendall(raw)
        s.shutdown(socket.SHUT_WR)
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = s.recv(4096)
            if not chunk:
                break
            head += chunk
    parts = head.split(b" ", 2)
    return (int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0), head


def counts(url):
    return {t: query(url, f"SELECT count(*) FROM {t}")[0][0] for t in TABLES}


def test_hostile_requests_at_the_real_server(tmp_path, app, enrolled):
    url, slug = app.config["DATABASE_URL"], enrolled["link"]["slug"]
    secrets = {f"TRACKER_{name}_SECRETS": "fuzz-secret" for name in
               ("SHOPIFY", "WOOCOMMERCE", "STRIPE")}  # every endpoint on: 401, never "off"
    server = LiveServer(tmp_path / "srv", TRACKER_DATABASE_URL=url, **secrets).start()
    clicked = []
    try:
        before = counts(url)  # after the server's first start made its API key and login

        @settings(max_examples=250, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(raw=requests(slug))
        def hit(raw):
            status, head = send(server.port, raw)
            assert 0 < status < 500, raw[:300]
            clicked.append(b"tclid=" in head)  # a follower's redirect: one click to store

        hit()
    finally:
        server.stop()
    assert counts(url) == before  # nothing stored by any of them
    assert query(url, "SELECT count(*) FROM click") == [(sum(clicked),)]
    assert sum(clicked) > 0  # the short link was among the targets
    for marker in ("Traceback", "Error handling request", '" 500 '):
        assert marker not in server.output, server.output[-5000:]
