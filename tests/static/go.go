package main

import (
	"fmt"
	"strings"
)

// Counter counts.
type Counter struct {
	n    int
	name string
}

// Add adds.
func (c *Counter) Add(k int) int {
	if k > 0 && c.n < 10 {
		c.n += k
	} else if k < 0 {
		c.n--
	} else {
		return 0
	}
	return c.n
}

func (c *Counter) Name() string { return strings.ToUpper(c.name) }

func loop(xs []int) int {
	s := 0
	for _, x := range xs {
		switch {
		case x > 1:
			s++
		default:
			s += f(func() int { return x })
		}
	}
	fmt.Println(s)
	return s
}
