# data = {
#   "cart.yml" = <<EOT
#   groups:
#     - name: cart
#       rules:
#         - alert: Nothing
# EOT
# }
