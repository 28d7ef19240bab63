use std::collections::HashMap;
/// A counter of words.
pub struct Counter { m: HashMap<String, u32> }
impl Counter {
    pub fn add(&mut self, w: &str) -> u32 {
        let e = self.m.entry(w.to_string()).or_insert(0);
        *e += 1;
        if *e > 10 { return 10; }
        match *e { 1 => 1, n => n }
    }
}
trait T { fn f(&self) -> i32 { loop { break 1; } } }
fn main() { for i in 0..3 { while i > 5 {} } let c = |x: i32| x + 1; c(2); }
