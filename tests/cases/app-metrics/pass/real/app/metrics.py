from prometheus_client import Counter, start_http_server
REQUESTS = Counter('requests_total', 'x')
