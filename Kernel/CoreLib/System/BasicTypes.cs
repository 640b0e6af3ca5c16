
namespace System
{
    public abstract class ValueType
    {
    }

    public abstract class Enum : ValueType
    {
    }

    public struct Nullable<T> where T : struct
    {
        private readonly bool hasValue;
        internal T value;

        public Nullable(T value)
        {
            this.value = value;
            hasValue = true;
        }

        public readonly bool HasValue => hasValue;

        public readonly T Value
        {
            get
            {
                if (!hasValue)
                    ThrowHelpers.Panic("Nullable object must have a value");
                return value;
            }
        }

        public readonly T GetValueOrDefault() => value;

        public static implicit operator T?(T value) => new T?(value);
        public static explicit operator T(T? value) => value!.Value;
    }

    public abstract class Attribute { }

    [AttributeUsage(AttributeTargets.Class, Inherited = true)]
    public sealed class AttributeUsageAttribute : Attribute
    {
        public AttributeUsageAttribute(AttributeTargets validOn) { }
        public bool AllowMultiple { get; set; }
        public bool Inherited { get; set; }
    }

    [Flags]
    public enum AttributeTargets
    {
        Assembly = 0x0001, Module = 0x0002, Class = 0x0004, Struct = 0x0008, Enum = 0x0010,
        Constructor = 0x0020, Method = 0x0040, Property = 0x0080, Field = 0x0100, Event = 0x0200,
        Interface = 0x0400, Parameter = 0x0800, Delegate = 0x1000, ReturnValue = 0x2000,
        GenericParameter = 0x4000, All = 0x7FFF,
    }

    [AttributeUsage(AttributeTargets.Enum)]
    public sealed class FlagsAttribute : Attribute { }

    [AttributeUsage(AttributeTargets.Parameter)]
    public sealed class ParamArrayAttribute : Attribute { }

    public sealed class ObsoleteAttribute : Attribute
    {
        public ObsoleteAttribute() { }
        public ObsoleteAttribute(string message) { }
        public ObsoleteAttribute(string message, bool error) { }
    }

    [AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct | AttributeTargets.Enum | AttributeTargets.Field)]
    public sealed class SerializableAttribute : Attribute { }

    [AttributeUsage(AttributeTargets.All)]
    public sealed class CLSCompliantAttribute : Attribute { public CLSCompliantAttribute(bool isCompliant) { } }

    public interface IDisposable
    {
        void Dispose();
    }

    public interface IEquatable<T>
    {
        bool Equals(T other);
    }

    /// <summary>Exceptions exist so that `throw` compiles; throwing one panics the kernel with its message.</summary>
    public class Exception
    {
        private readonly string? _message;
        public Exception() { }
        public Exception(string? message) { _message = message; }
        public Exception(string? message, Exception? inner) { _message = message; }
        public virtual string Message => _message ?? "exception";
    }

    public class SystemException : Exception { public SystemException() { } public SystemException(string? m) : base(m) { } }
    public sealed class OutOfMemoryException : SystemException { public OutOfMemoryException() : base("out of memory") { } }
    public sealed class IndexOutOfRangeException : SystemException { public IndexOutOfRangeException() : base("index out of range") { } }
    public sealed class NullReferenceException : SystemException { public NullReferenceException() : base("null reference") { } }
    public sealed class DivideByZeroException : SystemException { public DivideByZeroException() : base("divide by zero") { } }
    public sealed class OverflowException : SystemException { public OverflowException() : base("arithmetic overflow") { } }
    public sealed class InvalidCastException : SystemException { public InvalidCastException() : base("invalid cast") { } }
    public class ArgumentException : SystemException { public ArgumentException() { } public ArgumentException(string? m) : base(m) { } }
    public sealed class ArgumentNullException : ArgumentException { public ArgumentNullException(string? m) : base(m) { } }
    public sealed class ArgumentOutOfRangeException : ArgumentException { public ArgumentOutOfRangeException() : base("argument out of range") { } public ArgumentOutOfRangeException(string? m) : base(m) { } }
    public sealed class InvalidOperationException : SystemException { public InvalidOperationException() { } public InvalidOperationException(string? m) : base(m) { } }
    public sealed class NotSupportedException : SystemException { public NotSupportedException() { } public NotSupportedException(string? m) : base(m) { } }
    public sealed class NotImplementedException : SystemException { public NotImplementedException() { } public NotImplementedException(string? m) : base(m) { } }
    public sealed class ArrayTypeMismatchException : SystemException { public ArrayTypeMismatchException() : base("array type mismatch") { } }
    public sealed class PlatformNotSupportedException : SystemException { public PlatformNotSupportedException() : base("platform not supported") { } }
    public sealed class TypeInitializationException : SystemException { public TypeInitializationException() : base("type initialization failed") { } }
    public sealed class InvalidProgramException : SystemException { public InvalidProgramException() : base("invalid program") { } }
    public sealed class EntryPointNotFoundException : SystemException { public EntryPointNotFoundException() : base("entry point not found") { } }
    public sealed class MissingMethodException : SystemException { public MissingMethodException() : base("missing method") { } }
    public sealed class BadImageFormatException : SystemException { public BadImageFormatException() : base("bad image format") { } }

    public abstract class Type
    {
        public RuntimeTypeHandle TypeHandle => default;
        public static Type? GetTypeFromHandle(RuntimeTypeHandle handle) => null;
    }

    internal sealed class RuntimeType : Type { }

    public struct RuntimeTypeHandle
    {
        private IntPtr _value;
        internal RuntimeTypeHandle(IntPtr value) { _value = value; }
        public IntPtr Value => _value;
    }

    public struct RuntimeMethodHandle
    {
        private IntPtr _value;
        public IntPtr Value => _value;
    }

    public struct RuntimeFieldHandle
    {
        private IntPtr _value;
        public IntPtr Value => _value;
    }

    public struct RuntimeArgumentHandle { private IntPtr _value; }

    public struct TypedReference { private IntPtr _value; private IntPtr _type; }

    public ref struct ArgIterator { private IntPtr _value; }

    public abstract class Delegate
    {
        // Field names and order are a contract with ILC.
        internal object? _firstParameter;
        internal object? _helperObject;
        internal nint _extraFunctionPointerOrData;
        internal IntPtr _functionPointer;

        // Called by ILC-generated delegate construction code.
        private void InitializeClosedInstance(object firstParameter, IntPtr functionPointer)
        {
            if (firstParameter == null)
                ThrowHelpers.Panic("delegate to a method of a null instance");
            _functionPointer = functionPointer;
            _firstParameter = firstParameter;
        }

        private void InitializeClosedStaticThunk(object firstParameter, IntPtr functionPointer, IntPtr functionPointerThunk)
        {
            _extraFunctionPointerOrData = functionPointer;
            _helperObject = firstParameter;
            _functionPointer = functionPointerThunk;
            _firstParameter = this;
        }

        private void InitializeOpenStaticThunk(object firstParameter, IntPtr functionPointer, IntPtr functionPointerThunk)
        {
            _firstParameter = this;
            _functionPointer = functionPointerThunk;
            _extraFunctionPointerOrData = functionPointer;
        }

        private void InitializeOpenInstanceThunkDynamic(IntPtr functionPointer, IntPtr functionPointerThunk)
        {
            _firstParameter = this;
            _functionPointer = functionPointerThunk;
            _extraFunctionPointerOrData = functionPointer;
        }

        internal IntPtr GetThunk(int whichThunk) => IntPtr.Zero;

        public static bool operator ==(Delegate? d1, Delegate? d2) => (object?)d1 == (object?)d2;
        public static bool operator !=(Delegate? d1, Delegate? d2) => (object?)d1 != (object?)d2;
        public override bool Equals(object? obj) => (object)this == obj;
        public override int GetHashCode() => 0;
    }

    public abstract class MulticastDelegate : Delegate
    {
    }

    public delegate void Action();
    public delegate void Action<in T>(T arg);
    public delegate void Action<in T1, in T2>(T1 arg1, T2 arg2);
    public delegate TResult Func<out TResult>();
    public delegate TResult Func<in T, out TResult>(T arg);
    public delegate TResult Func<in T1, in T2, out TResult>(T1 arg1, T2 arg2);

    public static class Math
    {
        public static int Min(int a, int b) => a < b ? a : b;
        public static int Max(int a, int b) => a > b ? a : b;
        public static uint Min(uint a, uint b) => a < b ? a : b;
        public static uint Max(uint a, uint b) => a > b ? a : b;
        public static long Min(long a, long b) => a < b ? a : b;
        public static long Max(long a, long b) => a > b ? a : b;
        public static ulong Min(ulong a, ulong b) => a < b ? a : b;
        public static ulong Max(ulong a, ulong b) => a > b ? a : b;
        public static int Clamp(int value, int min, int max) => value < min ? min : value > max ? max : value;
        public static int Abs(int a) => a < 0 ? -a : a;
        public static long Abs(long a) => a < 0 ? -a : a;
    }

    [AttributeUsage(AttributeTargets.Method | AttributeTargets.Constructor | AttributeTargets.Property | AttributeTargets.Field | AttributeTargets.Class | AttributeTargets.Struct)]
    public sealed class ThreadStaticAttribute : Attribute { }
}

namespace System.Collections
{
    public interface IEnumerable
    {
        IEnumerator GetEnumerator();
    }

    public interface IEnumerator
    {
        bool MoveNext();
        object? Current { get; }
        void Reset();
    }
}
