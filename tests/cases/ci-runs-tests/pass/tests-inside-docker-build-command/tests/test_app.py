from app import due


def test_due_after_a_day():
    assert due(25)


def test_not_due_soon():
    assert not due(2)


def test_boundary():
    assert due(24)
