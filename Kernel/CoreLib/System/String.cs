using System.Runtime;
using System.Runtime.CompilerServices;

namespace System
{
    /// <summary>
    /// Immutable UTF-16 string. Literals are frozen objects in the image; strings built at run time are
    /// heap objects whose owner frees them with ManagedHeap.Free.
    /// </summary>
    public sealed unsafe class String
    {
        // Field names and order are a contract with ILC.
        private readonly int _stringLength;
        private char _firstChar;

        public static readonly string Empty = "";

        public int Length => _stringLength;

        [IndexerName("Chars")]
        public char this[int index]
        {
            get
            {
                if ((uint)index >= (uint)_stringLength)
                    ThrowHelpers.Panic("string index out of range");
                return Unsafe.Add(ref _firstChar, index);
            }
        }

        public ref readonly char GetPinnableReference() => ref _firstChar;

        public static implicit operator ReadOnlySpan<char>(string? value)
            => value == null ? default : new ReadOnlySpan<char>(ref value._firstChar, value._stringLength);

        public ReadOnlySpan<char> AsSpan() => new ReadOnlySpan<char>(ref _firstChar, _stringLength);

        /// <summary>Allocates an uninitialised string of the given length on the kernel heap.</summary>
        internal static string FastAllocateString(int length)
        {
            MethodTable* stringType = "".m_pMethodTable;
            return Unsafe.As<string>(RuntimeExports.AllocateArrayLike(stringType, length));
        }

        public static string Create(ReadOnlySpan<char> chars)
        {
            if (chars.Length == 0)
                return Empty;
            string result = FastAllocateString(chars.Length);
            for (int i = 0; i < chars.Length; i++)
                Unsafe.Add(ref result._firstChar, i) = chars[i];
            return result;
        }

        public static string Concat(string? a, string? b)
        {
            int la = a == null ? 0 : a.Length, lb = b == null ? 0 : b.Length;
            string result = FastAllocateString(la + lb);
            for (int i = 0; i < la; i++) Unsafe.Add(ref result._firstChar, i) = a![i];
            for (int i = 0; i < lb; i++) Unsafe.Add(ref result._firstChar, la + i) = b![i];
            return result;
        }

        public static bool Equals(string? a, string? b)
        {
            if ((object?)a == (object?)b) return true;
            if (a == null || b == null || a._stringLength != b._stringLength) return false;
            for (int i = 0; i < a._stringLength; i++)
                if (Unsafe.Add(ref a._firstChar, i) != Unsafe.Add(ref b._firstChar, i)) return false;
            return true;
        }

        public static bool operator ==(string? a, string? b) => Equals(a, b);
        public static bool operator !=(string? a, string? b) => !Equals(a, b);
        public override bool Equals(object? obj) => obj is string s && Equals(this, s);

        public override int GetHashCode()
        {
            uint hash = 2166136261;
            for (int i = 0; i < _stringLength; i++)
                hash = (hash ^ Unsafe.Add(ref _firstChar, i)) * 16777619;
            return (int)hash;
        }

        public bool StartsWith(string prefix)
        {
            if (prefix.Length > _stringLength) return false;
            for (int i = 0; i < prefix.Length; i++)
                if (Unsafe.Add(ref _firstChar, i) != prefix[i]) return false;
            return true;
        }

        public override string ToString() => this;
    }
}
