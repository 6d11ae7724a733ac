from prometheus_client import Counter, Histogram

REQUESTS = Counter("http_requests", "Requests served", ["route"])
ERRORS = Counter("http_errors", "Requests that failed", ["route"])
DURATION = Histogram("http_duration_seconds", "Time to serve a request", ["route"])
