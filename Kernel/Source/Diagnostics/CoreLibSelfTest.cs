using System;
using System.Runtime;

namespace Kernel.Diagnostics
{
    /// <summary>Exercises the core library features the kernel relies on; prints one line per check.</summary>
    public static class CoreLibSelfTest
    {
        private interface IShape { int Area(); int Sides { get; } }
        private sealed class Square : IShape { public int S; public int Area() => S * S; public int Sides => 4; }
        private sealed class Triangle : IShape { public int B, H; public int Area() => B * H / 2; public int Sides => 3; }
        private abstract class Animal { public abstract string Sound(); }
        private sealed class Dog : Animal { public override string Sound() => "woof"; }

        private static class Lazy
        {
            public static int Counter;
            public static readonly int Value = Compute();
            private static int Compute() { Counter++; return 42; }
        }

        private static int s_failures;

        private static void Check(bool ok, string what)
        {
            Log.Line($"corelib: {what}: {(ok ? "ok" : "FAILED")}");
            if (!ok) s_failures++;
        }

        public static void Run()
        {
            IShape[] shapes = { new Square { S = 3 }, new Triangle { B = 4, H = 5 } };
            int total = 0;
            for (int round = 0; round < 3; round++)
                foreach (IShape s in shapes)
                    total += s.Area() + s.Sides;
            Check(total == 3 * (9 + 4 + 10 + 3), "interface dispatch");
            Animal a = new Dog();
            Check(a.Sound() == "woof", "virtual call and string equality");
            Check(Lazy.Value == 42 && Lazy.Counter == 1, "lazy static constructor");
            int captured = 5;
            Func<int, int> add = x => x + captured;
            Check(add(10) == 15, "delegate with closure");
            Span<int> numbers = stackalloc int[8];
            for (int i = 0; i < numbers.Length; i++) numbers[i] = i * i;
            Check(numbers.Slice(2, 3)[2] == 16, "span and stackalloc");
            string joined = string.Concat("kern", "el");
            Check(joined == "kernel" && joined.Length == 6, "string concat");
            object boxed = 1234;
            Check(boxed is int n && n == 1234, "boxing and unboxing");
            Check(shapes[0] is Square && !(shapes[1] is Square), "type checks");
            ManagedHeap.Free(joined);
            Log.Line(s_failures == 0 ? "corelib: all ok" : "corelib: FAILURES");
        }
    }
}
