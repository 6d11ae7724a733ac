from app import due


def test_a_day_old_cart_is_due():
    assert due(24) is True


def test_a_fresh_cart_is_not_due():
    assert due(1) is False


def test_an_old_cart_is_due():
    assert due(100)
