resource "aws_appautoscaling_target" "svc" {
  min_capacity = 1
  max_capacity = 4
}
