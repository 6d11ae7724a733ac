package reminder

func Due(hours int) bool { return hours >= 24 }
