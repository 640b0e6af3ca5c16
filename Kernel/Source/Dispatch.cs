using System;
using System.Runtime;

namespace Kernel
{
    /// <summary>Interface dispatch resolution (called from Arch/runtime.S).</summary>
    public static unsafe class InterfaceDispatch
    {
        [RuntimeExport("ResolveInterfaceDispatch")]
        private static void* Resolve(object thisObject, void* cell)
        {
            ThrowHelpers.Panic("interface dispatch not implemented");
            return null;
        }
    }
}
