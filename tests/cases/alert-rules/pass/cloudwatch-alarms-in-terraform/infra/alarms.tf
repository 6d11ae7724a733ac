resource "aws_sns_topic" "pager" {
  name = "shop-pager"
}

resource "aws_cloudwatch_metric_alarm" "checkout_errors" {
  alarm_name          = "checkout-5xx"
  alarm_description   = "Checkout returns server errors: see docs/runbook.md"
  namespace           = "AWS/ApplicationELB"
  metric_name         = "HTTPCode_Target_5XX_Count"
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 5
  comparison_operator = "GreaterThanThreshold"
  threshold           = 10
  alarm_actions       = [aws_sns_topic.pager.arn]
}

resource "aws_cloudwatch_metric_alarm" "checkout_latency" {
  alarm_name          = "checkout-p99-latency"
  alarm_description   = "p99 checkout latency above 800 ms for 10 minutes"
  namespace           = "AWS/ApplicationELB"
  metric_name         = "TargetResponseTime"
  extended_statistic  = "p99"
  period              = 120
  evaluation_periods  = 5
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0.8
  alarm_actions       = [aws_sns_topic.pager.arn]
}
