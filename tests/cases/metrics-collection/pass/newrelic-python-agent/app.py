import newrelic.agent

newrelic.agent.initialize("newrelic.ini")

from flask import Flask  # noqa: E402

app = Flask(__name__)


@app.get("/orders")
def orders():
    return {"orders": []}
