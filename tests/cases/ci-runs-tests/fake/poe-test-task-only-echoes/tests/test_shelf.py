from shelf import shelve


def test_adds_the_book():
    assert shelve(["b"], "a") == ["a", "b"]


def test_keeps_the_others():
    assert len(shelve(["a", "c"], "b")) == 3


def test_empty_shelf():
    assert shelve([], "x") == ["x"]
