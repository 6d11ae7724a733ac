from prometheus_client import Counter
