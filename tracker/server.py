"""`tracker serve`: gunicorn with threads, graceful SIGTERM, an access log without IPs."""

import logging
import os
import re

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

# No %(h)s: the raw client IP is never written, logs included.
ACCESS_LOG_FORMAT = '"%(r)s" %(s)s %(b)s %(M)sms "%(f)s" "%(a)s"'
CLIENT_IP = re.compile(r"\bip=\S+?(?=: |\s|$)")  # gunicorn's "Invalid request from ip=…: …" warning


class DropClientIp(logging.Filter):
    """Replace a client address in a log message with '-'."""

    def filter(self, record):
        message = record.getMessage()
        cleaned = CLIENT_IP.sub("ip=-", message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


class NoIpLogger(Logger):
    """gunicorn's logger; its own messages (a malformed request's warning) lose the client IP."""

    def setup(self, cfg):
        super().setup(cfg)  # again on every HUP reload: add the filter once
        if not any(isinstance(f, DropClientIp) for f in self.error_log.filters):
            self.error_log.addFilter(DropClientIp())


class Server(BaseApplication):
    """Gunicorn configured from arguments, serving an app built in each worker."""

    def __init__(self, factory, options):
        self.factory = factory
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        return self.factory()


def serve(factory, *, host, port, workers, threads, access_log=True):
    """Run gunicorn until SIGTERM/SIGINT; in-flight requests get 30 s to finish."""
    options = {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread" if threads > 1 else "sync",
        "graceful_timeout": 30,
        "timeout": 60,
        "keepalive": 5,
        "accesslog": "-" if access_log else None,
        "access_log_format": ACCESS_LOG_FORMAT,
        "errorlog": "-",
        "forwarded_allow_ips": os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        "worker_exit": _flush_clicks,
        # gunicorn's admin socket lives at one path per user: instances on one host would
        # share it, and nothing here uses it
        "control_socket_disable": True,
        "logger_class": NoIpLogger,
    }
    Server(factory, options).run()


def _flush_clicks(_server, worker):
    # Write clicks still queued (only possible while the database was unreachable).
    app = getattr(worker, "wsgi", None)
    redirector = getattr(app, "extensions", {}).get("tracker.redirector")
    if redirector is not None:
        redirector.writer.close()
