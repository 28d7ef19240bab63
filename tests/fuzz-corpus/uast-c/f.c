#include <stdio.h>
struct s { int a; };
static int f(int x) {
	if (x > 1 && x < 9)
		return x * f(x - 1);
	for (int i = 0; i < 3; i++) switch (i) { case 1: break; default: x++; }
	return x;
}
