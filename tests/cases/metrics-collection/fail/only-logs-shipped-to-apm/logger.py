import logging

from opencensus.ext.azure.log_exporter import AzureLogHandler


def make_logger(name: str, connection: str) -> logging.Logger:
    """Log lines go to Application Insights; no metrics or requests are sent."""
    logger = logging.getLogger(name)
    logger.addHandler(AzureLogHandler(connection_string=connection))
    return logger
