from datetime import datetime, timedelta

from app.reminders import Cart, code_valid, make_reminder, reminder_due

NOW = datetime(2026, 3, 1, 12, 0)


def cart(**kw):
    base = dict(id="c1", email="a@example.com", updated_at=NOW - timedelta(hours=25))
    base.update(kw)
    return Cart(**base)


def test_reminder_due_after_24_hours():
    assert reminder_due(cart(), NOW) is True


def test_no_reminder_before_24_hours():
    assert reminder_due(cart(updated_at=NOW - timedelta(hours=23)), NOW) is False


def test_no_reminder_when_opted_out_or_bought():
    assert not reminder_due(cart(opted_out=True), NOW)
    assert not reminder_due(cart(checked_out=True), NOW)


def test_code_valid_for_48_hours():
    reminder = make_reminder(cart(), NOW)
    assert reminder.code.startswith("BACK10-")
    assert code_valid(reminder, NOW + timedelta(hours=47))
    assert not code_valid(reminder, NOW + timedelta(hours=49))
