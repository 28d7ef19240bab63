import { readFile } from "fs";
// A counter with a typed interface.
interface Counter { n: number; inc(by?: number): number }
export class C implements Counter {
	n = 0;
	inc(by: number = 1): number { if (by < 0) { throw new Error("neg"); } return (this.n += by); }
}
export const twice = <T,>(f: (x: T) => T, x: T): T => f(f(x));
for (const k of [1, 2]) { switch (k) { case 1: break; default: twice((x: number) => x + k, 0); } }
