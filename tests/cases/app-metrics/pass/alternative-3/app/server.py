def route(path):
    if path == '/metrics':
        return render()
