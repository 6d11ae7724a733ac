FLAGS = load('config/flags.yaml')
