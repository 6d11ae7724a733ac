resource "azurerm_monitor_metric_alert" "api_errors" {
  name                = "api-5xx"
  resource_group_name = azurerm_resource_group.shop.name
  scopes              = [azurerm_linux_web_app.api.id]
  description         = "The API answers with server errors"
  severity            = 1
  frequency           = "PT1M"
  window_size         = "PT5M"

  criteria {
    metric_namespace = "Microsoft.Web/sites"
    metric_name      = "Http5xx"
    aggregation      = "Total"
    operator         = "GreaterThan"
    threshold        = 10
  }
}

resource "google_monitoring_alert_policy" "latency" {
  display_name = "Checkout latency"
  combiner     = "OR"

  conditions {
    display_name = "p95 latency above 1 s"
    condition_threshold {
      filter          = "metric.type=\"run.googleapis.com/request_latencies\" resource.type=\"cloud_run_revision\""
      comparison      = "COMPARISON_GT"
      threshold_value = 1000
      duration        = "300s"
    }
  }

  documentation {
    content = "Checkout is slow for users: check the last release first."
  }
}
