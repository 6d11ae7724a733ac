from prometheus_client import Histogram

REQUEST_SECONDS = Histogram("http_request_duration_seconds", "Time spent answering a request")
