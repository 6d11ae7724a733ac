from flask import Flask

from shop.app import app as shop_app

stub = Flask(__name__)


def test_index_answers():
    assert shop_app.test_client().get("/").data == b"shop"


def test_index_status():
    assert shop_app.test_client().get("/").status_code == 200


def test_missing_page():
    assert shop_app.test_client().get("/nope").status_code == 404
