param location string = resourceGroup().location

resource plan 'Microsoft.Web/serverfarms@2023-01-01' = {
  name: 'reminders-plan'
  location: location
  sku: { name: 'B1' }
}
