resource "aws_cloudwatch_metric_alarm" "todo" {
  alarm_name = "todo"
}

# resource "aws_cloudwatch_metric_alarm" "errors" {
#   metric_name         = "Errors"
#   comparison_operator = "GreaterThanThreshold"
#   threshold           = 1
# }

resource "google_monitoring_alert_policy" "placeholder" {
  display_name = "placeholder"
  combiner     = "OR"
}
