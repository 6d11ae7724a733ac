"""loopcheck: grade a repository phase by phase through the DevOps loop."""

__version__ = "0.1.0"
