from prometheus_client import Counter

REQUESTS = Counter("http_requests_total", "Requests answered, by status code", ["code"])
