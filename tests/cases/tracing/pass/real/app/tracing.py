from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
