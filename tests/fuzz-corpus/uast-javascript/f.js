import x from "y";
class A extends B { m(a, ...r) { return a ? r.map(v => v * 2) : null; } }
function* g() { for (const k of [1,2]) yield k; }
const o = { a: 1, [k]: `t${1}` };
