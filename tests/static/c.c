int f1(int a) { do { a--; } while (a); return a; }
int f2(int a) { switch (a) { case 1: return 1; default: return 2; } }
int f3(int a) { return a ? 1 : 2; }
int f4(int a) { if (a) goto out; return 1; out: return 2; }
int f5(int a) { switch (a) { case 1: case 2: return 1; } return 0; }
int f6(int a) { for (;;) { if (a) break; } return a && a || !a; }
int f7(int a) { switch (a) { default: return 2; } }
