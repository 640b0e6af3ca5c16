using System.Runtime.CompilerServices;

namespace System
{
    public abstract unsafe class Array
    {
        // The first field is the element count: a contract with ILC.
        private int _numComponents;
#pragma warning disable CS0169
        private int _padding;
#pragma warning restore CS0169

        public int Length => _numComponents;

        internal ref byte GetRawArrayData() => ref Unsafe.As<RawArrayData>(this).Data;

        public static void Copy<T>(T[] source, int sourceIndex, T[] destination, int destinationIndex, int length)
        {
            if ((uint)sourceIndex > (uint)source.Length || (uint)length > (uint)(source.Length - sourceIndex)
                || (uint)destinationIndex > (uint)destination.Length || (uint)length > (uint)(destination.Length - destinationIndex))
                ThrowHelpers.Panic("Array.Copy out of range");
            new ReadOnlySpan<T>(source, sourceIndex, length).CopyTo(new Span<T>(destination, destinationIndex, length));
        }

        public static T[] Empty<T>() => EmptyArray<T>.Value;

        private static class EmptyArray<T>
        {
            internal static readonly T[] Value = new T[0];
        }
    }

    // ILC uses Array<T> as the base of single-dimension zero-based arrays.
    public class Array<T> : Array
    {
    }
}
