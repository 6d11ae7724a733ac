from app.cart import total


def test_total_adds_prices():
    assert total([2, 3]) == 5


def test_total_of_nothing_is_zero():
    assert total([]) == 0
