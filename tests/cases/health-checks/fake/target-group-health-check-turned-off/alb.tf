resource "aws_lb_target_group" "web" {
  name     = "shop-web"
  port     = 8080
  protocol = "HTTP"

  health_check {
    enabled = false
  }
}
