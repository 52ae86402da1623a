from datetime import date

from freezegun import freeze_time
from sqlalchemy import func
from sqlmodel import select

from tests.conftest import IPHONE
from tracker.models import Click, Order
from tracker.retention import purge_clicks


def click_on(client, slug, day):
    with freeze_time(f"{day} 12:00:00"):
        assert client.get("/" + slug, headers={"User-Agent": IPHONE}).status_code == 302


def days_left(session):
    return sorted(str(d) for d in session.exec(select(Click.day)).all())


def test_purge_deletes_only_clicks_before_the_date_in_batches(app, client, session, enrolled):
    slug = enrolled["link"]["slug"]
    for day in ("2026-01-01", "2026-01-02", "2026-01-02", "2026-01-03", "2026-01-04"):
        click_on(client, slug, day)
    batches = []
    deleted = purge_clicks(
        app.extensions["tracker.engine"], before=date(2026, 1, 3), batch_size=2,
        progress=batches.append,
    )  # fmt: skip
    assert deleted == 3 and batches == [2, 1]
    assert days_left(session) == ["2026-01-03", "2026-01-04"]


def test_purge_command_reports_count_and_keeps_orders(runner, client, session, enrolled):
    click_on(client, enrolled["link"]["slug"], "2026-01-01")
    click_on(client, enrolled["link"]["slug"], "2026-02-01")
    orders_before = session.exec(select(func.count()).select_from(Order)).one()
    result = runner.invoke(args=["purge", "--before", "2026-01-15"])
    assert result.exit_code == 0, result.output
    assert "deleted 1 clicks made before 2026-01-15" in result.output
    assert days_left(session) == ["2026-02-01"]
    assert session.exec(select(func.count()).select_from(Order)).one() == orders_before


def test_purge_command_refuses_a_bad_date(runner):
    result = runner.invoke(args=["purge", "--before", "last tuesday"])
    assert result.exit_code != 0 and "--before" in result.output
