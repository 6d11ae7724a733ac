from reminders import due


def test_a_day():
    assert due(24)


def test_an_hour():
    assert not due(1)


def test_a_week():
    assert due(168)
