resource "azurerm_resource_group" "shelf" {
  name     = "shelf"
  location = "uksouth"
}
