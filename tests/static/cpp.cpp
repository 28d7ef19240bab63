#include <vector>
#include "util.h"

namespace geo {

/// A shape.
class Shape {
 public:
  Shape(int w, int h) : w_(w), h_(h) {}
  int area() const { return w_ * h_; }
  int wider(int k) { return w_ + k; }
  void grow(int k) { h_ += k; }
  int twice() { return area() * 2; }
  static int unit() { return 1; }

 private:
  int w_;
  int h_;
};

}  // namespace geo

// Sums the positive ones.
int sum(const std::vector<int> &xs) {
  int s = 0;
  for (int x : xs) {
    if (x > 0 && x != 7) s += x;
    else continue;
  }
  try {
    s = std::max(s, 1);
  } catch (const std::exception &e) {
    s = -1;
  }
  return s;
}

int sign(int x) {
  switch (x) {
  case 0: return 0;
  case 1: case 2: return 1;
  default: return x < 0 ? -1 : 2;
  }
}
