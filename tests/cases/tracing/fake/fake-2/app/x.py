# from opentelemetry import trace
