module example.test/checks

go 1.23
