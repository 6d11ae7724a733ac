"""DynamoDB stream handler: (re)schedule or cancel the reminder for a cart."""
import os
from datetime import datetime, timedelta, timezone

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

logger = Logger()
metrics = Metrics(namespace="CartReminders")
scheduler = boto3.client("scheduler")

DELAY = timedelta(minutes=int(os.environ.get("DELAY_MINUTES", "1440")))
GROUP = os.environ.get("SCHEDULE_GROUP", "cart-reminders")
TARGET = os.environ.get("SEND_FUNCTION_ARN", "")


def schedule_name(cart_id: str) -> str:
    return f"cart-{cart_id}"


def fire_time(last_modified: datetime) -> datetime:
    return last_modified + DELAY


def _upsert(cart_id: str, when: datetime) -> None:
    expr = f"at({when.strftime('%Y-%m-%dT%H:%M:%S')})"
    args = dict(
        Name=schedule_name(cart_id), GroupName=GROUP, ScheduleExpression=expr,
        ScheduleExpressionTimezone="UTC", FlexibleTimeWindow={"Mode": "OFF"},
        ActionAfterCompletion="DELETE",
        Target={"Arn": TARGET, "RoleArn": os.environ.get("SCHEDULER_ROLE_ARN", ""),
                "Input": f'{{"cart_id": "{cart_id}"}}'},
    )
    try:
        scheduler.update_schedule(**args)
    except scheduler.exceptions.ResourceNotFoundException:
        scheduler.create_schedule(**args)


def _delete(cart_id: str) -> None:
    try:
        scheduler.delete_schedule(Name=schedule_name(cart_id), GroupName=GROUP)
    except scheduler.exceptions.ResourceNotFoundException:
        pass


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event, context):
    for record in event["Records"]:
        image = record["dynamodb"].get("NewImage") or {}
        cart_id = record["dynamodb"]["Keys"]["cart_id"]["S"]
        status = image.get("status", {}).get("S")
        items = int(image.get("item_count", {}).get("N", "0"))
        if record["eventName"] == "REMOVE" or status == "ORDER_PLACED" or items == 0:
            _delete(cart_id)
            metrics.add_metric(name="SchedulesCancelled", unit=MetricUnit.Count, value=1)
            continue
        last = datetime.fromisoformat(image["last_modified"]["S"]).astimezone(timezone.utc)
        _upsert(cart_id, fire_time(last))
        metrics.add_metric(name="SchedulesUpserted", unit=MetricUnit.Count, value=1)
