resource "aws_autoscaling_group" "web" {
  min_size = 2
  max_size = 6
}
