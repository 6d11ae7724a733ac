import ldclient
