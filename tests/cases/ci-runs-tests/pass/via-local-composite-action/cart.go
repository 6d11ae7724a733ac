package shop

func Total(xs []int) int {
	s := 0
	for _, x := range xs {
		s += x
	}
	return s
}
