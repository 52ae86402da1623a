"""The `tracker` command."""

import sys

import click
from flask import current_app
from flask.cli import FlaskGroup
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, func, select

from tracker.clock import utcnow
from tracker.config import ConfigError


def _factory():
    from tracker import create_app

    return create_app()


class Group(FlaskGroup):
    def list_commands(self, ctx):
        # Every command is registered here: building the app (which refuses to start without
        # a secret) only to list them printed a traceback above `tracker --help`.
        return sorted(self.commands)


@click.group(cls=Group, create_app=_factory, add_default_commands=False,
             add_version_option=False)
def main():
    """tracker: campaign attribution for influencer marketing."""


main.params.clear()  # FlaskGroup's --app/--env-file/--debug make no sense for this command


def init_app(app):
    """Make the commands available to app.cli too (tests run them against a test app)."""
    for command in main.commands.values():
        app.cli.add_command(command)


def session():
    return Session(current_app.extensions["tracker.engine"])


@main.command("init-db")
def init_db():
    """Create the database, or upgrade its schema: apply every pending migration."""
    from tracker import migrations

    engine = current_app.extensions["tracker.engine"]
    migrations.upgrade(engine)  # the app did it already, unless it runs in testing mode
    click.echo(f"database ready: {engine.url!r} at migration {migrations.current(engine)}")


@main.command("create-api-key")
@click.argument("name")
def create_api_key(name):
    """Create an API key; it is printed once, alone on the last line."""
    from tracker.api.keys import create_api_key as create

    if not name.strip() or len(name) > 100:
        raise click.BadParameter("give a name of 1-100 characters", param_hint="NAME")
    with session() as s:
        row, plaintext = create(s, name=name.strip())
        click.echo(f"API key '{row.name}' created; it is shown only now:", err=True)
    click.echo(plaintext)


@main.command("import-creators")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_creators(path):
    """Import creators from a CSV file with a header row; all rows or none."""
    from tracker.catalog import importer
    from tracker.errors import ApiError

    try:
        with open(path, encoding="utf-8-sig") as f:
            text = f.read()
    except UnicodeDecodeError as err:
        raise click.ClickException(f"{path}: not UTF-8 text (byte {err.start}); save it as "
                                   "CSV UTF-8 and try again") from None
    items, errors = importer.parse_creators_csv(text)
    with session() as s:
        errors += importer.existing_handles(s, items)
        if errors:
            for line, message in sorted(errors):
                click.echo(f"{path}:{line}: {message}", err=True)
            click.echo(f"nothing imported: {len(errors)} bad row(s)", err=True)
            sys.exit(1)
        try:
            with click.progressbar(length=len(items), label="importing", file=sys.stderr) as bar:
                count = importer.import_creators(s, items=items, progress=bar.update)
        except ApiError as err:
            raise click.ClickException(err.message) from None
    click.echo(f"imported {count} creators")


@main.command("create-user")
@click.argument("email")
@click.option("--reset", is_flag=True, help="set a new password for an existing login")
def create_user(email, reset):
    """Create a dashboard login; the password is read from stdin or prompted for."""
    from tracker.dashboard import users
    from tracker.errors import ApiError

    if sys.stdin.isatty():
        password = click.prompt("password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    with session() as s:
        user = users.find_user(s, email) if reset else None
        if reset and user is None:
            raise click.ClickException(f"no login for '{email}'; leave out --reset to create it")
        try:
            if reset:
                users.set_password(s, user, password=password)
            else:
                user = users.create_user(s, email=email, password=password)
        except ApiError as err:
            raise click.ClickException(f"{err.field}: {err.message}") from None
        click.echo(f"login '{user.email}' {'updated' if reset else 'created'}")


@main.command("serve")
@click.option("--host", envvar="TRACKER_HOST", default="127.0.0.1", show_envvar=True)
@click.option("--port", envvar="TRACKER_PORT", type=click.IntRange(0, 65535), default=5000,
              show_envvar=True)
@click.option("--workers", envvar="TRACKER_WORKERS", type=click.IntRange(1, 64), default=2,
              show_envvar=True, help="processes; one per core is a good start")
@click.option("--threads", envvar="TRACKER_THREADS", type=click.IntRange(1, 256), default=8,
              show_envvar=True, help="threads per process")
def serve(host, port, workers, threads):
    """Serve with gunicorn (production WSGI server)."""
    from tracker.api.keys import create_api_key as create
    from tracker.dashboard.users import create_first_admin
    from tracker.models import ApiKey
    from tracker.server import serve as run

    with session() as s:
        if s.exec(select(func.count()).select_from(ApiKey)).one() == 0:
            _, plaintext = create(s, name="first key")
            click.echo(f"First start: created an API key (shown only now):\n  {plaintext}")
        if admin := create_first_admin(s):
            click.echo(f"First start: created the dashboard login {admin[0]}; its password "
                       f"(shown only now; change it at /dashboard/account):\n  {admin[1]}")
    current_app.extensions["tracker.engine"].dispose()  # no connections shared with workers
    click.echo(f"tracker serving on http://{host}:{port}", err=True)
    run(_factory, host=host, port=port, workers=workers, threads=threads)


@main.command("purge")
@click.option("--before", required=True, type=click.DateTime(formats=["%Y-%m-%d"]),
              help="delete clicks made before this UTC date (YYYY-MM-DD)")
def purge(before):
    """Delete click rows older than a date, in batches; orders are kept."""
    from tracker.clicks.retention import purge_clicks

    done = 0

    def progress(n):
        nonlocal done
        done += n
        click.echo(f"  {done} deleted...", err=True)

    engine = current_app.extensions["tracker.engine"]
    count = purge_clicks(engine, before=before.date(), progress=progress)
    click.echo(f"deleted {count} clicks made before {before.date().isoformat()}")


@main.command("demo")
@click.option("--end", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="last UTC day (default: yesterday); the same day gives the same numbers")
@click.option("--scale", type=click.FloatRange(0.01, 10), default=1.0, show_default=True,
              help="multiply the traffic (clicks and the orders that follow)")
def demo(end, scale):
    """Load a demo brand: 2 campaigns, 25 creators, 60 days of clicks, orders and refunds."""
    from datetime import timedelta

    from tracker import demo as demo_data

    last = end.date() if end else utcnow().date() - timedelta(days=1)
    with session() as s:
        try:
            summary = demo_data.load(s, secret=current_app.config["SECRET_KEY"], end=last,
                                     scale=scale, progress=lambda m: click.echo(m, err=True))
        except demo_data.DemoLoaded as err:
            raise click.ClickException(f"{err}; nothing was added. Load the demo into an "
                                       "empty database (set TRACKER_DATABASE_URL or "
                                       "TRACKER_INSTANCE).") from None
    click.echo(f"demo loaded: {summary.clicks} clicks ({summary.bots} from bots), "
               f"{summary.orders} orders, {summary.refunds} refunds, {summary.cancelled} "
               f"cancelled, {last - timedelta(days=59)} to {last}")
    click.echo("open http://127.0.0.1:5000/dashboard/campaigns/glow-serum-launch "
               "(./scripts/run or tracker serve), or as data:\n"
               "  tracker export-report creators --campaign glow-serum-launch --format csv")


@main.command("export-report")
@click.argument("kind", type=click.Choice(["creators", "campaigns", "tiers", "platforms", "daily"]))
@click.option("--campaign", help="campaign slug")
@click.option("--creator", help="creator handle")
@click.option("--currency", help="only campaigns in this currency (ISO 4217)")
@click.option("--from", "start", metavar="YYYY-MM-DD", help="first UTC day, inclusive")
@click.option("--to", "end", metavar="YYYY-MM-DD", help="last UTC day, inclusive")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="file (default: stdout)")
def export_report(kind, campaign, creator, currency, start, end, fmt, output):
    """Write a report (contract section 6) as CSV or JSON to stdout or a file."""
    import json

    from tracker.errors import ApiError
    from tracker.reports import build as reports
    from tracker.reports import present

    args = {"campaign": campaign, "creator": creator, "currency": currency, "from": start,
            "to": end, "format": fmt}
    with session() as s:
        try:
            query = present.parse_query(kind, {k: v for k, v in args.items() if v})
            bands = current_app.config["TIER_BANDS"]
            if fmt == "json":
                chunks = [json.dumps(reports.run(s, query, bands=bands), indent=2) + "\n"]
            else:
                chunks = reports.export_csv(s, query, bands=bands)[1]
        except ApiError as err:
            named = err.message.split(" ", 1)[0].rstrip(":") == err.field
            message = err.message if named else f"{err.field}: {err.message}"
            raise click.ClickException(message) from None
        # the file is opened only once the filters are known to be good
        out = open(output, "w", newline="", encoding="utf-8") if output else sys.stdout
        try:
            for chunk in chunks:
                out.write(chunk)
        finally:
            if output:
                out.close()
    if output:
        click.echo(f"{kind} report written to {output}", err=True)


@main.command("reprocess")
@click.option("--platform", type=click.Choice(["shopify", "woocommerce", "stripe", "generic"]))
def reprocess(platform):
    """Re-parse and re-attribute stored webhook deliveries, oldest first; safe to repeat."""

    from tracker.orders.deliveries import reprocess as replay

    with session() as s:
        counts = replay(s, now=utcnow(), platform=platform,
                        click_param=current_app.config["CLICK_PARAM"])
    summary = ", ".join(f"{counts[k]} {k}" for k in
                        ("recorded", "updated", "duplicate", "ignored", "invalid"))
    click.echo(f"reprocessed {counts.total()} deliveries: {summary}")


def run():
    """Entry point that turns configuration errors into a message and exit code 2."""
    try:
        main()
    except ConfigError as err:
        click.echo(f"error: {err}", err=True)
        sys.exit(2)
    except OperationalError as err:  # unreachable server, unopenable file: say so, no traceback
        reason = str(err.orig or err).strip().splitlines()[0]
        click.echo(f"error: the TRACKER_DATABASE_URL database cannot be used: {reason}", err=True)
        sys.exit(2)
