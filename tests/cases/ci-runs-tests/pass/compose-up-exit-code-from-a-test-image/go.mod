module example.test/shortener

go 1.23
