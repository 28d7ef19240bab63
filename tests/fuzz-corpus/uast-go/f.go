package main
import "fmt"
type T struct{ a int }
func (t *T) F(x int) (int, error) {
	if x > 0 { return x, nil }
	for i := range []int{1} { go func() { fmt.Println(i) }() }
	switch x { case 1: default: }
	return 0, nil
}
