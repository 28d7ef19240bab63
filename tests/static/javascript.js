import fs from "fs";
import { join } from './path.js';

/** A box. */
class Box {
  constructor(w) { this.w = w; }
  grow(k) {
    if (k > 0 && this.w < 10) {
      this.w += k;
    } else if (k < 0) {
      this.w--;
    } else {
      return null;
    }
    return this.w;
  }
}

function walk(xs) {
  let s = 0;
  for (const x of xs) {
    s += x > 0 ? x : -x;
  }
  xs.forEach((y) => { s = s + y; });
  try { fs.readFileSync(join("a", "b")); } catch (e) { s = 0; }
  return s;
}
