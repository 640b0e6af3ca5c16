using System;
using Kernel.Diagnostics;
using System.Runtime;

namespace Kernel.Boot
{
    /// <summary>Exercises the core library features the kernel relies on; prints one line per check.</summary>
    public static class CoreLibSelfTest
    {
        private interface IShape { int Area(); int Sides { get; } }
        private sealed class Square : IShape { public int S; public int Area() => S * S; public int Sides => 4; }
        private sealed class Triangle : IShape { public int B, H; public int Area() => B * H / 2; public int Sides => 3; }
        private class Polygon : IShape { public virtual int Area() => 1; public int Sides => 5; }
        private sealed class Pentagon : Polygon { public override int Area() => 7; }
        private interface IBox<T> { T Get(); void Set(T value); }
        private sealed class Box<T> : IBox<T> { private T _value = default!; public T Get() => _value; public void Set(T value) => _value = value; }
        private struct Counter : IShape { public int N; public int Area() => N; public int Sides => 0; }
        private sealed class Resource : IDisposable { public static int Disposed; public void Dispose() => Disposed++; }
        private sealed class Range3
        {
            public Enumerator GetEnumerator() => new Enumerator();
            public struct Enumerator { private int _i; public int Current => _i; public bool MoveNext() => ++_i <= 3; }
        }
        private static int TotalArea<T>(T[] shapes) where T : IShape
        {
            int sum = 0;
            foreach (T s in shapes) sum += s.Area();
            return sum;
        }
        private static int Classify(string word) => word switch
        {
            "alpha" => 1,
            "beta" => 2,
            "gamma" => 3,
            "delta" => 4,
            "epsilon" => 5,
            "zeta" => 6,
            "eta" => 7,
            _ => 0,
        };
        private static class PerType<T> { public static int Count; }
        private static int Bump<T>() => ++PerType<T>.Count;
        private abstract class Animal { public abstract string Sound(); }
        private sealed class Dog : Animal { public override string Sound() => "woof"; }

        // Reading the counter is a side effect ILC cannot pre-compute, so this constructor really
        // runs at run time, and being explicit (not beforefieldinit) it runs exactly at first access.
        private static class Lazy
        {
            public static readonly ulong Stamp;
            static Lazy() { Stamp = Touch(); }
            private static ulong Touch()
            {
                s_constructorRanAt = ++s_sequence;
                return Kernel.Arch.Cpu.Counter();
            }
        }

        private static int s_sequence, s_constructorRanAt;

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
            IShape inherited = new Pentagon();
            Check(inherited.Area() == 7 && inherited.Sides == 5, "interface implemented by a base class");
            IBox<int> box = new Box<int>();
            box.Set(41);
            IBox<string> text = new Box<string>();
            text.Set("box");
            Check(box.Get() == 41 && text.Get() == "box", "generic interfaces");
            IShape boxedStruct = new Counter { N = 9 };
            Check(boxedStruct.Area() == 9, "interface call on a boxed struct");
            Animal a = new Dog();
            Check(a.Sound() == "woof", "virtual call and string equality");
            int before = ++s_sequence;
            ulong stamp = Lazy.Stamp;
            ulong again = Lazy.Stamp;
            Check(s_constructorRanAt == before + 1 && s_sequence == before + 1 && stamp == again && stamp != 0, "lazy static constructor");
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
            Check(Classify("epsilon") == 5 && Classify("omega") == 0, "switch on strings");
            int? maybe = null;
            int? some = 7;
            Check(!maybe.HasValue && some.HasValue && some.Value + (maybe ?? 3) == 10, "nullable value types");
            using (new Resource()) { }
            Check(Resource.Disposed == 1, "using and IDisposable");
            int enumerated = 0;
            foreach (int i in new Range3()) enumerated += i;
            Check(enumerated == 6, "foreach over a pattern enumerator");
            Check(TotalArea(new Square[] { new Square { S = 2 }, new Square { S = 3 } }) == 13, "generic method with an interface constraint");
            Bump<string>(); Bump<string>(); Bump<Dog>(); Bump<int>();
            Check(PerType<string>.Count == 2 && PerType<Dog>.Count == 1 && PerType<int>.Count == 1
                && Array.Empty<string>().Length == 0 && Array.Empty<long>().Length == 0, "statics of generic types (shared code)");
            ulong big = ulong.MaxValue / 3;
            double ratio = (double)big / ulong.MaxValue;
            Check(ratio > 0.333 && ratio < 0.334, "floating point");
            ManagedHeap.Free(joined);
            ManagedHeap.Free("a literal"); // frozen in the image: freeing it is a no-op
            Log.Line(s_failures == 0 ? "corelib: all ok" : "corelib: FAILURES");
        }
    }
}
