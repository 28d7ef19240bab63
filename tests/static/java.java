package demo;

import java.util.List;
import java.io.*;

/** An account. */
public class Account {
    private int balance;
    private String owner;

    public Account(String owner) { this.owner = owner; }

    public void deposit(int k) { balance += k; }

    public boolean rich() { return balance > 100; }

    public String who() { return this.owner; }
}

final class Util {
    /** Sums the list. */
    static int total(List<Integer> xs) {
        int s = 0;
        for (int x : xs) {
            if (x > 0 && x < 10 && x != 5) {
                s += x;
            } else if (x < 0) {
                s--;
            }
        }
        return s;
    }

    static String kind(int k) {
        try {
            switch (k) {
                case 1: case 2: return "low";
                default: throw new IllegalStateException("x");
            }
        } catch (IllegalStateException e) {
            return k > 9 ? "big" : "none";
        }
    }
}
