// TODO: const appInsights = require("applicationinsights");
// import tracer from "dd-trace";
const express = require("express");
const app = express();
app.get("/", (req, res) => res.send("ok"));
module.exports = app;
