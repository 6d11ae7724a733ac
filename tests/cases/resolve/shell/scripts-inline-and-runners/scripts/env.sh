export IMAGE=shop
