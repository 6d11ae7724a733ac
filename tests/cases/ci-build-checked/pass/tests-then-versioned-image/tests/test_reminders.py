from reminders import due


def test_due_after_a_day():
    assert due(hours_since_abandoned=25) is True


def test_not_due_before():
    assert due(hours_since_abandoned=2) is False
