const appInsights = require("applicationinsights");

test("the SDK loads", () => {
  expect(appInsights).toBeDefined();
});
