using System;
using System.Runtime;

namespace Internal.Runtime.CompilerHelpers
{
    /// <summary>
    /// Module start-up: walks the ReadyToRun-style headers ILC emits (one per module, listed in the
    /// __modules section), allocates the reference-type static bases, runs eager class constructors
    /// and module initialisers.
    /// </summary>
    public static unsafe class StartupCodeHelpers
    {
        private const uint ReadyToRunSignature = 0x00525452; // 'RTR'
        private const int GCStaticRegion = 201;
        private const int TypeManagerIndirection = 204;
        private const int EagerCctor = 205;
        private const int ModuleInitializerList = 213;

        private struct ReadyToRunHeader
        {
            public uint Signature;
            public ushort MajorVersion;
            public ushort MinorVersion;
            public uint Flags;
            public ushort NumberOfSections;
            public byte EntrySize;
            public byte EntryType;
        }

        private struct ModuleInfoRow
        {
            public int SectionId;
            public int Flags;
            public byte* Start;
            public byte* End;
        }

        public static void InitializeModules(IntPtr* start, IntPtr* end)
        {
            for (IntPtr* p = start; p < end; p++)
            {
                if (*p == IntPtr.Zero)
                    continue;
                ReadyToRunHeader* header = (ReadyToRunHeader*)*p;
                if (header->Signature != ReadyToRunSignature)
                    System.ThrowHelpers.Panic("bad module header");
                InitializeSection(header, TypeManagerIndirection);
                InitializeSection(header, GCStaticRegion);
            }
            for (IntPtr* p = start; p < end; p++)
                if (*p != IntPtr.Zero)
                    RunInitializers((ReadyToRunHeader*)*p, EagerCctor);
            for (IntPtr* p = start; p < end; p++)
                if (*p != IntPtr.Zero)
                    RunInitializers((ReadyToRunHeader*)*p, ModuleInitializerList);
        }

        private static ModuleInfoRow* FindSection(ReadyToRunHeader* header, int id)
        {
            byte* rows = (byte*)(header + 1);
            for (int i = 0; i < header->NumberOfSections; i++)
            {
                ModuleInfoRow* row = (ModuleInfoRow*)(rows + i * header->EntrySize);
                if (row->SectionId == id)
                    return row;
            }
            return null;
        }

        private static void InitializeSection(ReadyToRunHeader* header, int id)
        {
            ModuleInfoRow* row = FindSection(header, id);
            if (row == null)
                return;
            if (id == TypeManagerIndirection)
            {
                *(IntPtr*)row->Start = (IntPtr)header;
                return;
            }
            // Each entry points at a cell holding the static base's MethodTable with flag bits:
            // bit 0 = not yet allocated, bit 1 = pre-initialised data (a relative pointer after the cell).
            for (int* block = (int*)row->Start; block < (int*)row->End; block++)
            {
                nint* cell = (nint*)ReadRelativePointer(block);
                // The cell holds a relative pointer to the MethodTable with the flags in its low bits.
                int value = *(int*)cell;
                if ((value & 1) == 0)
                    continue;
                System.Runtime.MethodTable* type = (System.Runtime.MethodTable*)((byte*)cell + (value & ~3));
                byte* memory = (byte*)ManagedHeap.Allocate(type->BaseSize);
                for (uint i = 0; i < type->BaseSize; i++)
                    memory[i] = 0;
                byte* obj = memory + sizeof(nint);
                *(System.Runtime.MethodTable**)obj = type;
                if ((value & 2) != 0)
                {
                    byte* data = (byte*)ReadRelativePointer((int*)cell + 1);
                    uint size = type->BaseSize - 2 * (uint)sizeof(nint);
                    for (uint i = 0; i < size; i++)
                        obj[sizeof(nint) + i] = data[i];
                }
                *cell = (nint)obj;
            }
        }

        // On arm64 ILC emits 32-bit self-relative pointers in these tables.
        private static void* ReadRelativePointer(int* address) => (byte*)address + *address;

        private static void RunInitializers(ReadyToRunHeader* header, int id)
        {
            ModuleInfoRow* row = FindSection(header, id);
            if (row == null)
                return;
            for (int* f = (int*)row->Start; f < (int*)row->End; f++)
                ((delegate*<void>)ReadRelativePointer(f))();
        }
    }
}
