module example.com/reminders

go 1.22
