from app.cart import total


def test_adds():
    assert total([2, 3]) == 5


def test_empty():
    assert total([]) == 0


def test_one():
    assert total([1]) == 1
