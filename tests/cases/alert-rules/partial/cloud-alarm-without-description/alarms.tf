resource "aws_cloudwatch_metric_alarm" "errors" {
  alarm_name          = "api-errors"
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 5
}

resource "aws_cloudwatch_metric_alarm" "duration" {
  alarm_name          = "api-duration"
  alarm_description   = "Slow answers"
  namespace           = "AWS/Lambda"
  metric_name         = "Duration"
  statistic           = "Average"
  period              = 300
  evaluation_periods  = 3
  comparison_operator = "GreaterThanThreshold"
  threshold           = 2000
}
