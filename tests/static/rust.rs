use std::collections::HashMap;
use std::fmt;

/// A stack of numbers.
pub struct Stack {
    items: Vec<i32>,
    cap: usize,
}

impl Stack {
    pub fn new(cap: usize) -> Self {
        Stack { items: Vec::new(), cap }
    }

    /// Pushes unless full.
    pub fn push(&mut self, x: i32) -> bool {
        if self.items.len() >= self.cap || x < 0 {
            return false;
        }
        self.items.push(x);
        true
    }

    pub fn room(&self) -> usize {
        self.cap - self.items.len()
    }

    pub fn limit(&self) -> usize {
        self.cap
    }
}

fn classify(n: i32) -> &'static str {
    match n {
        0 => "zero",
        1 | 2 => "small",
        x if x < 0 => "negative",
        _ => "many",
    }
}

fn count(words: &[&str]) -> HashMap<String, usize> {
    let mut m = HashMap::new();
    for w in words {
        while m.len() > 10 && !w.is_empty() {
            break;
        }
        *m.entry(w.to_string()).or_insert(0) += 1;
    }
    m
}
