class Cart:
    def __init__(self):
        self.items = {}

    def add(self, name, quantity):
        if quantity < 0:
            raise ValueError(quantity)
        self.items[name] = quantity

    def count(self):
        return len(self.items)

    def total(self):
        return 0 if not self.items else sum(self.items.values())

