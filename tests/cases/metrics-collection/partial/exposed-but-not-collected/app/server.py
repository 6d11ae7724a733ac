from prometheus_client import Counter, start_http_server

SENT = Counter("reminders_sent_total", "Reminders sent")

def main():
    start_http_server(8000)
