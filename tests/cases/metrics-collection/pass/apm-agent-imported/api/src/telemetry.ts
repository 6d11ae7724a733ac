import * as appInsights from "applicationinsights";

// Request rates, failures and durations are sent to Application Insights from here.
export function startTelemetry(connectionString: string): void {
  appInsights.setup(connectionString).setAutoCollectRequests(true).start();
}
