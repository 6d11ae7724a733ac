from datetime import datetime, timedelta

from cart_reminder.selector import Cart, is_due, code_expiry

NOW = datetime(2024, 5, 2, 12, 0, 0)


def make_cart(**kw):
    base = dict(cart_id="c1", user_id="u1", last_activity=NOW - timedelta(hours=25),
                checked_out=False, reminder_sent=False, user_opted_out=False, item_count=2)
    base.update(kw)
    return Cart(**base)


def test_cart_idle_25h_is_due():
    assert is_due(make_cart(), NOW) is True


def test_cart_idle_23h_is_not_due():
    assert is_due(make_cart(last_activity=NOW - timedelta(hours=23)), NOW) is False


def test_exactly_24h_is_due():
    assert is_due(make_cart(last_activity=NOW - timedelta(hours=24)), NOW) is True


def test_opted_out_user_never_gets_email():
    assert is_due(make_cart(user_opted_out=True), NOW) is False


def test_second_reminder_is_not_sent():
    assert is_due(make_cart(reminder_sent=True), NOW) is False


def test_empty_cart_is_skipped():
    assert is_due(make_cart(item_count=0), NOW) is False


def test_code_valid_for_48h():
    assert code_expiry(NOW) == NOW + timedelta(hours=48)
