import json
from datetime import date

from freezegun import freeze_time
from sqlalchemy import func
from sqlmodel import select

from tests.helpers import IPHONE
from tests.signing import sign_generic
from tracker.clicks.retention import purge_clicks
from tracker.models import Click, Order


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
    )
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


def test_an_order_keeps_the_credit_of_a_purged_click(make_app, client, runner, api, enrolled):
    hooks = make_app(WEBHOOK_SECRETS=["generic_secret"]).test_client()
    with freeze_time("2026-03-01 12:00:00"):
        location = client.get("/" + enrolled["link"]["slug"], headers={"User-Agent": IPHONE})
    click_id = location.headers["Location"].rsplit("tclid=", 1)[1]

    def send(event_id, **fields):
        data = {"order_id": "G-1", "amount": "100.00", "currency": "USD", "click_id": click_id,
                "created_at": "2026-03-02T10:00:00Z", "status": "paid", **fields}
        body = json.dumps(data).encode()
        with freeze_time("2026-03-05 12:00:00"):
            reply = hooks.post("/webhooks/generic", data=body,
                               headers=sign_generic(body, "generic_secret", event_id=event_id))
        assert reply.status_code == 200, reply.json
        return reply.json

    def report():
        rows = api.get("/api/v1/reports/creators?from=2026-03-02").json["rows"]
        return [(r["creator"], r["orders"], r["orders_by_click"], r["net_revenue"]) for r in rows]

    send("e1")
    before = report()
    assert before == [("maya", 1, 1, "100.00")]
    assert runner.invoke(args=["purge", "--before", "2026-03-02"]).exit_code == 0
    # a later payload of the same order (a partial refund), then a reprocess of every delivery
    reply = send("e2", status="refunded", refunded_amount="10.00")
    assert reply["attribution"]["method"] == "click"
    assert reply["attribution"]["creator"] == "maya"
    assert runner.invoke(args=["reprocess"]).exit_code == 0
    assert report() == [("maya", 1, 1, "90.00")]
    # a payload naming another click id is judged afresh: that click was never issued
    reply = send("e3", click_id="never-issued", status="refunded", refunded_amount="20.00")
    assert (reply["attribution"]["method"], reply["attribution"]["reason"]) == (
        "none", "unknown_click")
