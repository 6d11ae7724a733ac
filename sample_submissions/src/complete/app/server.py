"""HTTP endpoints: health checks and Prometheus metrics."""

from http.server import BaseHTTPRequestHandler, HTTPServer

REQUESTS = {"total": 0, "errors": 0, "emails": 0}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        REQUESTS["total"] += 1
        if self.path in ("/healthz", "/readyz"):
            self._send(200, "ok")
        elif self.path == "/metrics":
            body = (f"reminders_http_requests_total {REQUESTS['total']}\n"
                    f"reminders_http_errors_total {REQUESTS['errors']}\n"
                    f"reminders_emails_sent_total {REQUESTS['emails']}\n"
                    "# TYPE reminders_http_duration_seconds histogram\n"
                    f"reminders_http_duration_seconds_bucket{{le=\"+Inf\"}} {REQUESTS['total']}\n")
            self._send(200, body)
        else:
            REQUESTS["errors"] += 1
            self._send(404, "not found")

    def _send(self, status, body):
        self.send_response(status)
        self.end_headers()
        self.wfile.write(body.encode())


if __name__ == "__main__":
    HTTPServer(("", 8080), Handler).serve_forever()
