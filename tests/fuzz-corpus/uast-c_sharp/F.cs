using System;
using System.Linq;
namespace A.B {
	/// <summary>A counter.</summary>
	public class F : Base, IDisposable {
		int n;
		public int N { get => n; set { n = value; } }
		public void Dispose() { foreach (var x in new[] { 1, 2 }) { if (x > 1) n += x; } }
		static int G(int[] xs) => xs.Where(x => x > 0).Sum();
		interface I { void H(); }
		struct S { public int a; }
	}
	enum E { A, B }
}
