from selenium import webdriver

def test_home():
    driver = webdriver.Chrome()
    driver.get('http://localhost')
