from api.app import app
