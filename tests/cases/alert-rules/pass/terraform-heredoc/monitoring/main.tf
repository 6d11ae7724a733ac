resource "kubernetes_config_map" "rules" {
  metadata {
    name = "cart-rules"
  }
  data = {
    "cart.yml" = <<-EOT
      groups:
        - name: cart
          rules:
            - alert: CartErrorsHigh
              expr: sum(rate(http_errors_total{job="cart"}[5m])) / sum(rate(http_requests_total{job="cart"}[5m])) > 0.05
              for: 5m
              labels: {severity: page}
              annotations: {summary: More than 5% of cart requests fail}
            - alert: CartSlow
              expr: histogram_quantile(0.95, sum by (le) (rate(http_duration_seconds_bucket{job="cart"}[5m]))) > 0.5
              for: 10m
              labels: {severity: ticket}
              annotations: {summary: Cart p95 above half a second}
    EOT
  }
}
