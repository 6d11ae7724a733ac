import datetime as dt

from app.reminders import coupon, due

NOW = dt.datetime(2026, 5, 1, 12, 0)


def test_only_carts_idle_for_a_day_are_due():
    carts = [{"id": 1, "updated": NOW - dt.timedelta(hours=25)}, {"id": 2, "updated": NOW - dt.timedelta(hours=2)}]
    assert [c["id"] for c in due(carts, NOW)] == [1]


def test_opted_out_shoppers_get_nothing():
    carts = [{"id": 1, "updated": NOW - dt.timedelta(days=2), "opted_out": True}]
    assert due(carts, NOW) == []


def test_coupon_lasts_two_days():
    c = coupon(NOW)
    assert c["percent"] == 10
    assert c["expires"] - NOW == dt.timedelta(hours=48)
