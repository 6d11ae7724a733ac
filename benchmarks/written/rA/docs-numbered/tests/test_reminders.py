from datetime import datetime, timedelta, timezone

import pytest

from app.reminders import CODE_VALID_FOR, find_abandoned, make_code, send_reminder

NOW = datetime(2024, 5, 6, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def cart_factory(session, user_factory):
    def make(idle: timedelta, ordered=False, opted_out=False, reminded=False):
        user = user_factory(marketing_opt_out=opted_out)
        cart = user.new_cart(last_activity_at=NOW - idle)
        if ordered:
            cart.order_id = 1
        if reminded:
            cart.reminder_sent_at = NOW - timedelta(hours=1)
        session.flush()
        return cart
    return make


def test_cart_idle_just_under_24h_is_not_abandoned(session, cart_factory):
    cart_factory(timedelta(hours=23, minutes=59))
    assert find_abandoned(session, NOW) == []


def test_cart_idle_24h_is_abandoned(session, cart_factory):
    cart = cart_factory(timedelta(hours=24, minutes=1))
    assert find_abandoned(session, NOW) == [cart]


def test_ordered_cart_is_skipped(session, cart_factory):
    cart_factory(timedelta(hours=24, minutes=1), ordered=True)
    assert find_abandoned(session, NOW) == []


def test_opted_out_user_is_skipped(session, cart_factory):
    cart_factory(timedelta(hours=24, minutes=1), opted_out=True)
    assert find_abandoned(session, NOW) == []


def test_already_reminded_cart_is_skipped(session, cart_factory):
    cart_factory(timedelta(hours=24, minutes=1), reminded=True)
    assert find_abandoned(session, NOW) == []


def test_code_valid_for_48h_and_single_use(session, cart_factory):
    cart = cart_factory(timedelta(hours=24, minutes=1))
    code = make_code(session, cart, NOW)
    assert code.expires_at - NOW == CODE_VALID_FOR == timedelta(hours=48)
    assert code.percent == 10
    assert code.single_use is True
    assert code.code.startswith("CR-")


def test_send_marks_cart_and_second_run_sends_nothing(session, cart_factory, fake_postmark):
    cart = cart_factory(timedelta(hours=24, minutes=1))
    assert send_reminder(session, cart, NOW) is True
    assert cart.reminder_sent_at == NOW
    assert fake_postmark.sent[0]["model"]["code"].startswith("CR-")
    assert len(fake_postmark.sent[0]["model"]["items"]) == len(cart.items)
    assert find_abandoned(session, NOW) == []


def test_postmark_failure_leaves_cart_for_next_run(session, cart_factory, fake_postmark):
    fake_postmark.fail_next = True
    cart = cart_factory(timedelta(hours=24, minutes=1))
    assert send_reminder(session, cart, NOW) is False
    assert cart.reminder_sent_at is None
