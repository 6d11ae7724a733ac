rootProject.name = "geo"
include("converter")
