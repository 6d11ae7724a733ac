def shelve(books, book):
    return sorted([*books, book])
