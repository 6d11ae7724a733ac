from ledger.balance import balance


def test_empty_ledger_is_zero():
    assert balance([]) == 0


def test_credits_and_debits_add_up():
    assert balance([("rent", -900), ("salary", 2500)]) == 1600


def test_single_entry():
    assert balance([("gift", 50)]) == 50
