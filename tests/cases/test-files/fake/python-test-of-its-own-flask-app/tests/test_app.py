from flask import Flask

app = Flask(__name__)


@app.get("/")
def index():
    return "ok"


def test_index_answers():
    assert app.test_client().get("/").data == b"ok"


def test_index_status():
    assert app.test_client().get("/").status_code == 200


def test_missing_page():
    assert app.test_client().get("/nope").status_code == 404
