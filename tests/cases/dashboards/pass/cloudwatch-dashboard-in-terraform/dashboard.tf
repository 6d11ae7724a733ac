resource "aws_cloudwatch_dashboard" "shop" {
  dashboard_name = "shop-overview"
  dashboard_body = jsonencode({
    widgets = [
      {
        type = "metric"
        properties = {
          title   = "Errors"
          metrics = [["AWS/Lambda", "Errors", "FunctionName", "reminders"]]
          period  = 300
          stat    = "Sum"
        }
      },
      {
        type = "metric"
        properties = {
          title   = "Duration p99"
          metrics = [["AWS/Lambda", "Duration", "FunctionName", "reminders", { stat = "p99" }]]
          period  = 300
        }
      }
    ]
  })
}
