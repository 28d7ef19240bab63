<?php
namespace App;

use App\Models\User;
require_once "lib.php";

/** A cart. */
class Cart {
    private array $items = [];
    private int $total = 0;

    public function __construct(int $total) { $this->total = $total; }

    public function add(string $item): void { $this->items[] = $item; }

    public function count(): int { return count($this->items); }

    public function sum(): int { return $this->total; }
}

// Labels a size.
function label(int $n): string {
    if ($n > 10 && $n < 100 || $n === 0) {
        return "mid";
    } elseif ($n >= 100) {
        return "big";
    }
    return match (true) {
        $n < 0 => "neg",
        default => "small",
    };
}

function total(array $xs): int {
    $s = 0;
    foreach ($xs as $x) {
        switch ($x) {
            case 1:
            case 2:
                $s += $x;
                break;
            default:
                $s--;
        }
    }
    try {
        $s = intdiv($s, 2);
    } catch (\DivisionByZeroError $e) {
        $s = 0;
    }
    return $s;
}
