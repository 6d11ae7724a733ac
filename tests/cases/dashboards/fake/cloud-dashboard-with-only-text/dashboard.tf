resource "aws_cloudwatch_dashboard" "shop" {
  dashboard_name = "shop-overview"
  dashboard_body = jsonencode({
    widgets = [
      {
        type       = "text"
        properties = { markdown = "# Shop (charts to come)" }
      }
    ]
  })
}
