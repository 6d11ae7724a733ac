from locust import HttpUser, task

class Shopper(HttpUser):
    @task
    def cart(self):
        self.client.get('/cart')
