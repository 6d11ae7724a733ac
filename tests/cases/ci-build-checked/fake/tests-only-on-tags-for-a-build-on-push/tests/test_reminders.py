from reminders import due


def test_due_after_a_day():
    assert due(hours_since_abandoned=25) is True
