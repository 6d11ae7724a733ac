"""Cart abandonment reminders."""
