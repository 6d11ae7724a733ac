from openfeature import api

client = api.get_client()
