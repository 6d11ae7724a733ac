plugins { java }
version = "1.4.0"
