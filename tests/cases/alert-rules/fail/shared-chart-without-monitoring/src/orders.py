def total(lines):
    return sum(qty * price for qty, price in lines)
