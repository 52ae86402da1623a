"""The click writer: clicks queued by the redirect, written in batches off the follower's path."""

import fcntl
import logging
import os
import threading
import time

from tracker.models import Click

log = logging.getLogger("tracker.redirect")  # one name for the follower's path in the logs

COLUMNS = [c.name for c in Click.__table__.columns if c.name != "id"]
SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy stores DATETIME in SQLite
MAX_BUFFERED = 200_000  # clicks kept in memory while the database is unreachable
COMMIT_WAIT = 2.0  # synchronous mode: seconds a request waits for the commit at most
RETRY_EVERY = 0.5  # seconds between attempts while the database is unreachable


class ClickWriter:
    """Write clicks in batches, one transaction per batch, off the follower's path.

    Background mode (the server's): a request queues its click and is answered at once; one
    writer thread per process writes everything queued in one transaction, then whatever
    arrived meanwhile, so batches grow with the load. A shutdown (SIGTERM) writes the queue
    first; a kill -9 or power cut loses only the clicks of the batch being gathered (a few
    milliseconds' worth). Synchronous mode (tests): the request itself takes the write lock
    and commits the queue, so its click is stored before the 302 is sent. Either way, if the
    database fails, clicks stay queued in memory (bounded) and are written when it is back.
    """

    def __init__(self, engine, lock_path=None, *, background=True):
        self.engine = engine
        compiled = Click.__table__.insert().compile(dialect=engine.dialect, column_keys=COLUMNS)
        self.sql = str(compiled)
        self.keys = compiled.positiontup if compiled.positional else None
        self.sqlite = engine.dialect.name == "sqlite"
        self.lock_path = lock_path
        self.mutex = threading.Lock()  # guards the queue and counters, held only briefly
        self.write_lock = threading.Lock()  # one writer per process
        self.queue = []
        self.writing = 0  # clicks taken off the queue by the write in progress
        self.queued = self.done = self.dropped = 0  # done: written or dropped, in queue order
        self.down = False
        self.conn = self.lock_file = self.thread = None
        self.background = background
        self.wake = threading.Event()  # set when the queue has clicks for the writer thread
        self.stopping = False
        self.pid = os.getpid()

    def submit(self, row):
        """Queue a click; synchronous mode returns once it is committed or the database is down."""
        with self.mutex:
            self._after_fork()
            if len(self.queue) >= MAX_BUFFERED:
                del self.queue[0]
                self.dropped += 1
                self.done += 1
                log.error("click buffer full: dropped the oldest click (%d so far)", self.dropped)
            self.queue.append(row)
            self.queued += 1
            ticket = self.queued
            if self.background and self.thread is None:
                self.thread = threading.Thread(target=self._run, name="click-writer", daemon=True)
                self.thread.start()
        if self.background:
            self.wake.set()
            return
        if self.down or not self.write_lock.acquire(timeout=COMMIT_WAIT):
            return
        try:
            if self.done < ticket:
                self._flush()
        finally:
            self.write_lock.release()

    def _after_fork(self):
        # A forked server worker must not reuse the parent's connection or queue.
        if self.pid != os.getpid():
            self.pid, self.conn, self.lock_file, self.queue = os.getpid(), None, None, []
            self.writing = 0
            self.thread = None

    def _flush(self):
        """Write the whole queue in one transaction; caller holds write_lock."""
        with self.mutex:
            batch, self.queue = self.queue, []
            self.writing = len(batch)
        if not batch:
            return True
        try:
            self._write(batch)
        except Exception:
            log.warning("could not write %d clicks; keeping them queued", len(batch), exc_info=True)
            self._drop_connection()
            with self.mutex:
                self.queue[:0] = batch
                self.writing = 0
                went_down, self.down = not self.down, True
            if went_down and not self.background:  # the writer thread retries by itself
                threading.Thread(target=self._retry, name="click-retry", daemon=True).start()
            return False
        with self.mutex:
            self.done += len(batch)
            self.writing = 0
        if self.down:
            log.warning("database back: buffered clicks written")
            self.down = False
        return True

    def _params(self, row):
        if self.sqlite:
            # Explicit dialect switch: the raw sqlite3 driver gets the text forms SQLAlchemy
            # itself stores (UTC without offset, ISO date, 0/1); psycopg takes the objects.
            row = dict(row, created_at=row["created_at"].strftime(SQLITE_DATETIME),
                       day=row["day"].isoformat(), is_bot=int(row["is_bot"]))
        return tuple(row[k] for k in self.keys) if self.keys else row

    def _write(self, batch):
        if self.conn is None:
            self.conn = self.engine.raw_connection()
        if self.lock_path and self.lock_file is None:
            self.lock_file = open(self.lock_path, "a")  # noqa: SIM115  (kept open per process)
        if self.lock_file:
            # SQLite: one writer at a time across processes, without busy-handler sleeps.
            fcntl.flock(self.lock_file, fcntl.LOCK_EX)
        try:
            cursor = self.conn.cursor()
            cursor.executemany(self.sql, [self._params(row) for row in batch])
            cursor.close()
            self.conn.commit()
        except Exception:
            self.conn.rollback()
            raise
        finally:
            if self.lock_file:
                fcntl.flock(self.lock_file, fcntl.LOCK_UN)

    def _drop_connection(self):
        conn, self.conn = self.conn, None
        if conn is not None:
            try:
                conn.invalidate()
            except Exception:  # already broken; nothing more to release
                pass

    def _run(self):
        while not self.stopping:
            self.wake.wait()
            self.wake.clear()
            if not self.flush():
                time.sleep(RETRY_EVERY)
                self.wake.set()

    def _retry(self):
        while not self.flush():
            time.sleep(RETRY_EVERY)

    def flush(self):
        """Write everything queued now; False if the database could not take it."""
        with self.write_lock:
            return self._flush()

    def stats(self):
        """Counters for health checks and logs."""
        with self.mutex:
            buffered = len(self.queue) + self.writing  # a failing retry holds them briefly
            return {"clicks_buffered": buffered, "clicks_dropped": self.dropped}

    def close(self):
        """Write what is still queued (if the database answers) and release the connection."""
        if self.pid != os.getpid():
            return
        self.stopping = True
        self.wake.set()
        with self.write_lock:
            if self.queue and not self._flush():
                log.error("shutting down with %d clicks unwritten", len(self.queue))
            self._drop_connection()
