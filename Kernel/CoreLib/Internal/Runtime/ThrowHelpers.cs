using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace System
{
    /// <summary>Everything that would throw in .NET panics the kernel with a message.</summary>
    public static unsafe class ThrowHelpers
    {
        private static delegate*<char*, int, void> s_panicHandler;

        /// <summary>Installed by the kernel once it can print; must not return.</summary>
        public static void SetPanicHandler(delegate*<char*, int, void> handler) => s_panicHandler = handler;

        [DoesNotReturn]
        [MethodImpl(MethodImplOptions.NoInlining)]
        public static void Panic(string message)
        {
            if (s_panicHandler != null)
            {
                fixed (char* p = message)
                    s_panicHandler(p, message.Length);
            }
            while (true) { }
        }

        [DoesNotReturn]
        public static void ThrowIndexOutOfRangeException() => Panic("index out of range");
    }
}

namespace Internal.Runtime.CompilerHelpers
{

    /// <summary>Helpers ILC calls for implicit checks; each panics.</summary>
    internal static class ThrowHelpers
    {
        [DoesNotReturn] private static void ThrowOverflowException() => System.ThrowHelpers.Panic("arithmetic overflow");
        [DoesNotReturn] private static void ThrowIndexOutOfRangeException() => System.ThrowHelpers.Panic("index out of range");
        [DoesNotReturn] private static void ThrowNullReferenceException() => System.ThrowHelpers.Panic("null reference");
        [DoesNotReturn] private static void ThrowDivideByZeroException() => System.ThrowHelpers.Panic("divide by zero");
        [DoesNotReturn] private static void ThrowArrayTypeMismatchException() => System.ThrowHelpers.Panic("array type mismatch");
        [DoesNotReturn] private static void ThrowPlatformNotSupportedException() => System.ThrowHelpers.Panic("platform not supported");
        [DoesNotReturn] private static void ThrowTypeLoadException() => System.ThrowHelpers.Panic("type load failure");
        [DoesNotReturn] private static void ThrowTypeLoadExceptionWithArgument(int id, string className, string typeName, string messageArg) => System.ThrowHelpers.Panic("type load failure");
        [DoesNotReturn] private static void ThrowArgumentException() => System.ThrowHelpers.Panic("invalid argument");
        [DoesNotReturn] private static void ThrowArgumentOutOfRangeException() => System.ThrowHelpers.Panic("argument out of range");
        [DoesNotReturn] private static void ThrowInvalidProgramException(int id) => System.ThrowHelpers.Panic("invalid program");
        [DoesNotReturn] private static void ThrowInvalidProgramExceptionWithArgument(int id, string methodName) => System.ThrowHelpers.Panic("invalid program");
        [DoesNotReturn] private static void ThrowMissingMethodException(int id, string methodName) => System.ThrowHelpers.Panic("missing method");
        [DoesNotReturn] private static void ThrowMissingFieldException(int id, string fieldName) => System.ThrowHelpers.Panic("missing field");
        [DoesNotReturn] private static void ThrowFileNotFoundException(int id, string fileName) => System.ThrowHelpers.Panic("file not found");
        [DoesNotReturn] private static void ThrowBadImageFormatException(int id) => System.ThrowHelpers.Panic("bad image format");
        [DoesNotReturn] private static void ThrowMarshalDirectiveException(int id) => System.ThrowHelpers.Panic("marshal directive");
        [DoesNotReturn] private static void ThrowAmbiguousMatchException(int id) => System.ThrowHelpers.Panic("ambiguous match");
        [DoesNotReturn] private static void ThrowNotSupportedInlineArrayEqualsGetHashCode() => System.ThrowHelpers.Panic("not supported");
        [DoesNotReturn] private static void ThrowFeatureBodyRemoved() => System.ThrowHelpers.Panic("feature removed");
        [DoesNotReturn] private static void ThrowInstanceBodyRemoved() => System.ThrowHelpers.Panic("instance body removed");
        [DoesNotReturn] private static void ThrowUnavailableType() => System.ThrowHelpers.Panic("unavailable type");
    }
}
