package a.b;
import java.util.List;
/** A shape. */
public class F extends Object implements Runnable {
	private int n;
	// run it
	public void run() { for (int i = 0; i < n; i++) { if (i % 2 == 0) continue; } }
	static int g(List<Integer> xs) { int s = 0; for (int x : xs) s += x; try { return s; } catch (Exception e) { return -1; } }
	interface I { void f(); }
	enum E { A, B }
}
