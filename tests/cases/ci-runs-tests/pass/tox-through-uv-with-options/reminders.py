def due(hours):
    return hours >= 24
