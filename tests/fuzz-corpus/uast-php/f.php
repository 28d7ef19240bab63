<?php
namespace A\B;
use C\D;
/** A repository. */
class R extends Base implements I {
	private array $xs = [];
	public function add(int $x): int { foreach ($this->xs as $y) { if ($y === $x) return 0; } $this->xs[] = $x; return count($this->xs); }
	public static function make(): static { return new static(); }
}
function f($a) { switch ($a) { case 1: return fn($b) => $a + $b; default: while (false) {} } }
trait T { function g() {} }
