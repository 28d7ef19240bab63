#include <vector>
#include "x.h"
namespace ns {
// A template that sums.
template <typename T> T sum(const std::vector<T> &v) { T s{}; for (auto &x : v) s += x; return s; }
class A : public B {
public:
	A() : n(0) {}
	virtual ~A() {}
	int f(int x) const { if (x) return n; while (x--) {} switch (x) { case 0: break; } return [&](int y) { return y + n; }(x); }
private:
	int n;
};
}
