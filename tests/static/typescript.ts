import { readFileSync } from "fs";
import * as path from "path";

interface Named {
  name(): string;
}

/** Counts. */
class Counter implements Named {
  private n: number = 0;
  private label: string;
  constructor(label: string) { this.label = label; }
  add(k: number): number { this.n += k; return this.n; }
  reset(): void { this.n = 0; }
  name(): string { return this.label; }
}

// Classifies.
function classify(x: number, ys: number[]): number {
  let s = 0;
  if (x > 0 && x < 10 || x === 42) {
    s = 1;
  } else if (x < 0) {
    for (const y of ys) {
      if (y > x) s += y;
    }
  } else {
    s = -1;
  }
  return s;
}

function load(p: string, k: number): string {
  switch (k) {
    case 1:
    case 2:
      return "few";
    default:
      try {
        return readFileSync(path.join("a", p), "utf8");
      } catch (e) {
        return k > 3 ? "many" : "";
      }
  }
}
