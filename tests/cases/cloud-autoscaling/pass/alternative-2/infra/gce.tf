resource "google_compute_autoscaler" "web" {
  autoscaling_policy {
    max_replicas = 5
  }
}
