module example.test/weatherd

go 1.23
