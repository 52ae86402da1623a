"""The followers' short link, served as a thin WSGI layer in front of Flask.

Flask's routing costs most of a bare 302 (PERFORMANCE.md), so a GET of `/<slug>` is answered
here: one indexed lookup, one click handed to the group-commit writer, 302. Everything else
(unknown slugs included, which get Flask's 404 page) falls through to Flask.
"""

import atexit
import fcntl
import logging
import os
import threading
from collections import deque

from sqlalchemy import bindparam, select

from tracker.clicks import click_row
from tracker.models import Click, Link
from tracker.schemas import RESERVED

log = logging.getLogger("tracker.redirect")

MAX_BUFFERED = 200_000  # clicks kept in memory while the database is unreachable
COMMIT_WAIT = 2.0  # seconds a follower waits for the commit before being sent on anyway


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

    def _cursor(self):
        cursor = getattr(self.local, "cursor", None)
        if cursor is None:
            conn = self.engine.raw_connection()
            driver = conn.driver_connection
            if self.engine.dialect.name == "sqlite":
                driver.isolation_level = None  # autocommit: a read holds no snapshot
            else:
                driver.autocommit = True
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
            try:
                conn.invalidate()
            except Exception:  # already broken; nothing more to release
                pass


class ClickWriter:
    """Group commit: requests queue their click and wait until a transaction holding it commits.

    A 302 therefore normally leaves its click committed (a crash loses none), while one
    transaction serves every click that arrived during the previous one. If the database is
    unreachable, clicks stay queued in memory (bounded), followers are redirected anyway, and
    the rows are written when the database answers again.
    """

    def __init__(self, engine, lock_path=None):
        self.engine = engine
        self.insert = Click.__table__.insert()
        self.lock_path = lock_path
        self.cond = threading.Condition()
        self.queue = deque()
        self.queued = self.committed = self.dropped = 0
        self.healthy = True
        self.closing = False
        self.thread = None
        self.pid = None

    def submit(self, row):
        """Queue a click and wait (bounded) until it is committed."""
        with self.cond:
            self._ensure_thread()
            if len(self.queue) >= MAX_BUFFERED:
                self.queue.popleft()
                self.dropped += 1
                log.error("click buffer full: dropped the oldest click (%d so far)", self.dropped)
            self.queue.append(row)
            self.queued += 1
            ticket = self.queued
            self.cond.notify_all()
            if self.healthy:
                self.cond.wait_for(lambda: self.committed >= ticket or not self.healthy, COMMIT_WAIT)

    def _ensure_thread(self):
        # Started lazily so that each forked server worker gets its own writer thread.
        if self.thread is None or self.pid != os.getpid():
            if self.thread is not None:
                self.queue.clear()  # a forked child: the parent writes its own queue
            self.pid = os.getpid()
            self.thread = threading.Thread(target=self._run, name="click-writer", daemon=True)
            self.thread.start()

    def _run(self):
        while True:
            with self.cond:
                self.cond.wait_for(lambda: self.queue or self.closing)
                if not self.queue:
                    return
                batch = list(self.queue)
                self.queue.clear()
            ok = self._write(batch)
            with self.cond:
                if ok:
                    self.committed += len(batch)
                    if not self.healthy:
                        log.warning("database back: wrote %d buffered clicks", len(batch))
                    self.healthy = True
                else:
                    self.queue.extendleft(reversed(batch))
                    self.healthy = False
                self.cond.notify_all()
            if not ok:
                with self.cond:  # back off before retrying; close() cuts the wait short
                    if self.cond.wait_for(lambda: self.closing, 0.5):
                        return

    def _write(self, batch):
        lock = open(self.lock_path, "a") if self.lock_path else None  # noqa: SIM115
        try:
            if lock:
                # SQLite: one writer at a time across processes, without busy-handler sleeps.
                fcntl.flock(lock, fcntl.LOCK_EX)
            with self.engine.begin() as conn:
                conn.execute(self.insert, batch)
            return True
        except Exception:
            log.warning("could not write %d clicks; keeping them queued", len(batch), exc_info=True)
            return False
        finally:
            if lock:
                lock.close()

    def stats(self):
        """Counters for health checks and logs."""
        with self.cond:
            return {"clicks_buffered": len(self.queue), "clicks_dropped": self.dropped}

    def close(self, timeout=10.0):
        """Write what is queued (as long as the database answers) and stop the thread."""
        with self.cond:
            if self.thread is None or self.pid != os.getpid():
                return
            self.closing = True
            self.cond.notify_all()
        self.thread.join(timeout)
        if self.queue:
            log.error("shutting down with %d clicks unwritten", len(self.queue))


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
        self.writer = ClickWriter(engine, lock_path)
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
        if not slug or len(slug) > 64 or slug in RESERVED:
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
        ])  # fmt: skip
        return [b""]


def with_click_id(target, param, click_id):
    """Append the click id to the target's query, before any fragment."""
    if click_id is None:
        return target
    url, hash_, fragment = target.partition("#")
    return f"{url}{'&' if '?' in url else '?'}{param}={click_id}{hash_}{fragment}"
