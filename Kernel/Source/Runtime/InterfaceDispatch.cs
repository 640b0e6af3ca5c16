using System;
using System.Runtime;

namespace Kernel.Runtime
{
    /// <summary>
    /// Interface dispatch, called from Arch/runtime.S (RhpInitialDynamicInterfaceDispatch) with the
    /// receiver and the dispatch cell ILC emitted for the call site. A cell is
    /// { stub, interface (32-bit relative pointer | 3) }; the call sites of one interface method form
    /// a group of consecutive cells ended by { 0, slot }. Resolution walks the
    /// receiver's type and its bases: find the interface in the type's interface map, look the
    /// (interface index, slot) pair up in the type's dispatch map, and take the implementation from
    /// the receiver's vtable. Results are cached per (cell, type) in a small hash table.
    /// </summary>
    public static unsafe class InterfaceDispatch
    {
        private const uint HasDispatchMapFlag = 0x00040000;
        private const int CacheSize = 512; // power of two

        private struct Cache { public fixed ulong Data[CacheSize * 3]; }
        private static Cache s_cache;
        private static ulong s_hits, s_misses;

        public static ulong CacheHits => s_hits;
        public static ulong CacheMisses => s_misses;

        // The fixed part of a MethodTable (see CoreLib MethodTable.cs).
        private struct MethodTableView
        {
            public uint Flags;
            public uint BaseSize;
            public MethodTableView* RelatedType;
            public ushort NumVtableSlots;
            public ushort NumInterfaces;
            public uint HashCode;
        }

        private struct DispatchMapEntry { public ushort InterfaceIndex, InterfaceSlot, ImplementationSlot; }

        [RuntimeExport("ResolveInterfaceDispatch")]
        private static void* Resolve(object receiver, void* cell)
        {
            MethodTableView* type = *(MethodTableView**)*(void**)&receiver;
            ulong hash = ((ulong)cell >> 4 ^ (ulong)type >> 3) & (CacheSize - 1);
            ulong* entry = &((ulong*)Slot(0))[hash * 3];
            if (entry[0] == (ulong)cell && entry[1] == (ulong)type)
            {
                s_hits++;
                return (void*)entry[2];
            }
            s_misses++;
            int* cachePointer = (int*)((byte*)cell + 8);
            int encoded = *cachePointer;
            if ((encoded & 3) != 3)
                ThrowHelpers.Panic("interface dispatch: unsupported dispatch cell format");
            MethodTableView* iface = (MethodTableView*)((byte*)cachePointer + (encoded & ~3));
            ulong* terminator = (ulong*)cell;
            while (terminator[0] != 0)
                terminator += 2;
            ushort slot = (ushort)terminator[1];
            void* target = FindImplementation(type, iface, slot);
            if (target == null)
                ThrowHelpers.Panic("interface dispatch: no implementation (default interface methods are not supported)");
            entry[0] = (ulong)cell;
            entry[1] = (ulong)type;
            entry[2] = (ulong)target;
            return target;
        }

        private static ulong* Slot(int index)
        {
            fixed (ulong* p = s_cache.Data)
                return p + index;
        }

        private static void* FindImplementation(MethodTableView* instanceType, MethodTableView* iface, ushort slot)
        {
            for (MethodTableView* type = instanceType; type != null; type = type->RelatedType)
            {
                if ((type->Flags & HasDispatchMapFlag) == 0)
                    continue;
                MethodTableView** interfaces = (MethodTableView**)((byte*)type + sizeof(MethodTableView) + type->NumVtableSlots * 8);
                int index = -1;
                for (int i = 0; i < type->NumInterfaces; i++)
                    if (interfaces[i] == iface) { index = i; break; }
                if (index < 0)
                    continue;
                // After the interface map: relative pointers to the type manager cell, the writable
                // data and (with HasDispatchMapFlag) the dispatch map.
                int* dispatchMapField = (int*)(interfaces + type->NumInterfaces) + 2;
                ushort* map = (ushort*)((byte*)dispatchMapField + *dispatchMapField);
                int standardEntries = map[0];
                DispatchMapEntry* entries = (DispatchMapEntry*)(map + 4);
                for (int e = 0; e < standardEntries; e++)
                {
                    if (entries[e].InterfaceIndex != index || entries[e].InterfaceSlot != slot)
                        continue;
                    ushort implementation = entries[e].ImplementationSlot;
                    if (implementation >= instanceType->NumVtableSlots)
                        ThrowHelpers.Panic("interface dispatch: sealed virtual slots are not supported");
                    nint* vtable = (nint*)((byte*)instanceType + sizeof(MethodTableView));
                    return (void*)vtable[implementation];
                }
            }
            return null;
        }
    }
}
