import os
from collections import OrderedDict as OD

class Box:
    """A box."""
    def __init__(self, w):
        self.w = w

    def grow(self, k):
        if k > 0 and self.w < 10:
            self.w += k
        elif k < 0:
            self.w -= 1
        else:
            return None
        return self.w

def walk(xs):
    # sum
    s = 0
    for x in xs:
        while x > 0 or x < -5:
            x -= 1
    try:
        s = s + 1
    except ValueError:
        pass
    return lambda y: y + s if y else 0
