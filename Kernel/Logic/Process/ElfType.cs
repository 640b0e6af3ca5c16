namespace Kernel.Logic.Process
{
    /// <summary>ELF file types the loader accepts (e_type).</summary>
    public enum ElfType : ushort
    {
        /// <summary>ET_EXEC: a position-dependent executable, loaded at its link addresses.</summary>
        Executable = 2,

        /// <summary>ET_DYN: a position-independent executable (static-PIE) or shared object, loaded at a bias.</summary>
        Dynamic = 3,
    }
}
