"""The followers' short link, served as a thin WSGI layer in front of Flask.

Flask's routing costs most of a bare 302 (PERFORMANCE.md), so a GET of `/<slug>` is answered
here: one indexed lookup, one click handed to the writer, 302. Everything else (unknown slugs
included, which get Flask's 404 page) falls through to Flask.
"""

import atexit
import logging
import re
import threading
import weakref
from urllib.parse import quote

from sqlalchemy import bindparam, select

from tracker.catalog.links import RESERVED
from tracker.clicks.classify import click_row
from tracker.clicks.writer import ClickWriter
from tracker.models import Link

log = logging.getLogger("tracker.redirect")

NON_ASCII = re.compile(r"[^\x00-\x7f]+")  # a Location header carries ASCII only


class LinkLookup:
    """slug -> (link id, campaign id, creator id, target URL), one indexed query per call.

    Each thread keeps one raw DB-API connection in autocommit: no ORM, no pool checkout per
    click. The last answer per slug is remembered only to keep redirecting while the
    database is down.
    """

    def __init__(self, engine):
        self.engine = engine
        table = Link.__table__
        stmt = select(table.c.id, table.c.campaign_id, table.c.creator_id, table.c.target_url)
        stmt = stmt.where(table.c.slug == bindparam("slug"), table.c.disabled.is_(False))
        compiled = stmt.compile(dialect=engine.dialect)
        self.sql = str(compiled)
        self.positional = compiled.positional
        self.local = threading.local()
        self.last_known = {}
        # Every thread's connection is closed when the lookup goes (an app built and dropped,
        # as tests do): psycopg warns about a connection garbage-collected while open.
        self.opened = []
        weakref.finalize(self, _close_all, self.opened)

    def _cursor(self):
        cursor = getattr(self.local, "cursor", None)
        if cursor is None:
            conn = self.engine.raw_connection()
            driver = conn.driver_connection
            if self.engine.dialect.name == "sqlite":
                driver.isolation_level = None  # autocommit: a read holds no snapshot
            else:
                driver.autocommit = True
            self.opened.append(conn)
            self.local.conn, cursor = conn, conn.cursor()
            self.local.cursor = cursor
        return cursor

    def __call__(self, slug):
        params = (slug,) if self.positional else {"slug": slug}
        try:
            cursor = self._cursor()
            cursor.execute(self.sql, params)
            row = cursor.fetchone()
        except Exception:
            log.warning("link lookup failed; using the last known answer", exc_info=True)
            self._drop_connection()
            return self.last_known.get(slug)
        if row is None:
            self.last_known.pop(slug, None)
            return None
        if len(self.last_known) < 100_000:
            self.last_known[slug] = tuple(row)
        return row

    def _drop_connection(self):
        conn = getattr(self.local, "conn", None)
        self.local.cursor = self.local.conn = None
        if conn is not None:
            self.opened.remove(conn)
            try:
                conn.invalidate()
            except Exception:  # already broken; nothing more to release
                pass


def _close_all(connections):
    for conn in connections:
        try:
            conn.invalidate()  # closes it for real: the engine's pool may be disposed already
        except Exception:  # the database may be gone already; nothing more to release
            pass


class Redirector:
    """WSGI middleware answering GET/HEAD /<slug> before Flask sees the request."""

    def __init__(self, app, flask_app):
        cfg = flask_app.config
        engine = flask_app.extensions["tracker.engine"]
        self.app = app
        self.secret = cfg["SECRET_KEY"]
        self.param = cfg["CLICK_PARAM"]
        self.proxies = int(cfg.get("PROXY_COUNT", 0))
        self.lookup = LinkLookup(engine)
        lock_path = None
        if engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
            lock_path = engine.url.database + ".writelock"
        self.writer = ClickWriter(engine, lock_path, background=not flask_app.testing)
        atexit.register(self.writer.close)

    def client_ip(self, environ):
        if self.proxies:
            hops = environ.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if len(hops) >= self.proxies:
                return hops[-self.proxies].strip()
        return environ.get("REMOTE_ADDR", "")

    def __call__(self, environ, start_response):
        method = environ["REQUEST_METHOD"]
        path = environ.get("PATH_INFO", "")
        if method not in ("GET", "HEAD") or path.find("/", 1) not in (-1, len(path) - 1):
            return self.app(environ, start_response)
        slug = path[1:].rstrip("/").lower()
        # NUL: no slug has one, and PostgreSQL fails the lookup (as if it were down) on it
        if not slug or len(slug) > 64 or slug in RESERVED or "\x00" in slug:
            return self.app(environ, start_response)
        link = self.lookup(slug)
        if link is None:
            return self.app(environ, start_response)
        click_id = None
        if method == "GET":
            row = click_row(
                link=link,
                ip=self.client_ip(environ),
                ua=environ.get("HTTP_USER_AGENT"),
                referrer=environ.get("HTTP_REFERER"),
                secret=self.secret,
            )
            click_id = row["click_id"]
            self.writer.submit(row)
        start_response("302 Found", [
            ("Location", with_click_id(link[3], self.param, click_id)),
            ("Cache-Control", "no-store"),
            ("Content-Length", "0"),
        ])
        return [b""]


def with_click_id(target, param, click_id):
    """Append the click id to the target's query, before any fragment; ASCII, for a header."""
    if not target.isascii():  # browsers percent-decode hosts too, then apply IDNA
        target = NON_ASCII.sub(lambda m: quote(m.group()), target)
    if click_id is None:
        return target
    url, hash_, fragment = target.partition("#")
    if param + "=" in url:  # a stale click id in the destination would shadow this one
        base, _, query = url.partition("?")
        kept = [p for p in query.split("&") if p and p.partition("=")[0] != param]
        url = f"{base}?{'&'.join(kept)}" if kept else base
    return f"{url}{'&' if '?' in url else '?'}{param}={click_id}{hash_}{fragment}"
