module example.org/reminder

go 1.22
