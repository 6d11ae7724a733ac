# import ldclient
x = 'openfeature'
