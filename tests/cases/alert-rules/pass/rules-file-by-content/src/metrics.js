const client = require("prom-client");

const requests = new client.Counter({ name: "http_requests_total", help: "Requests served", labelNames: ["route"] });
const errors = new client.Counter({ name: "http_errors_total", help: "Requests that failed", labelNames: ["route"] });
const duration = new client.Histogram({ name: "http_duration_seconds", help: "Time to serve", labelNames: ["route"] });

module.exports = { requests, errors, duration };
