namespace Kernel.Memory
{
    /// <summary>One mapped range of a user address space ([Start, End), page aligned).</summary>
    public sealed class Vma
    {
        public ulong Start, End;
        public int Prot;            // PROT_READ 1, PROT_WRITE 2, PROT_EXEC 4
        public bool Shared;
        public PageSource? File;    // null: anonymous
        public ulong FileOffset;    // file offset of Start
        public ulong FileBytes;     // bytes of file data from Start; the rest of the range reads zeros
        /// <summary>mmap of a file: pages wholly past the end of the file raise SIGBUS (ELF segments read zeros there).</summary>
        public bool BusBeyondEof;
        public Vma? Next;

        public Vma Clone()
        {
            var v = new Vma { Start = Start, End = End, Prot = Prot, Shared = Shared, File = File, FileOffset = FileOffset, FileBytes = FileBytes, BusBeyondEof = BusBeyondEof };
            File?.Hold();
            return v;
        }
    }
}
