resource "aws_db_instance" "db" {
  backup_retention_period = 7
}
