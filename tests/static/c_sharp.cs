using System;
using System.Collections.Generic;

namespace Demo
{
    /// <summary>A meter.</summary>
    public class Meter
    {
        private int value;
        private string unit;

        public Meter(string unit) { this.unit = unit; }

        public void Add(int k) { value += k; }

        public bool High() { return value > 10; }

        public string Unit => unit;

        public string Show() { return Describe() + unit; }

        private string Describe() { return "m"; }
    }

    public static class Calc
    {
        // Sums the positive items.
        public static int Sum(List<int> xs)
        {
            int s = 0;
            foreach (var x in xs)
            {
                if (x > 0 && x < 10 || x == 42)
                    s += x;
                else if (x < 0)
                    s -= 1;
            }
            return s;
        }

        public static string Kind(int k)
        {
            switch (k)
            {
                case 1:
                case 2:
                    return "few";
                default:
                    try { return k.ToString(); }
                    catch (FormatException e) { return e.Message; }
            }
        }
    }
}
