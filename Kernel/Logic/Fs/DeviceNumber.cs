namespace Kernel.Logic.Fs
{
    /// <summary>
    /// Device numbers in the 64-bit user-space encoding of st_rdev/st_dev (glibc makedev; equal to
    /// the kernel's new_encode_dev for 12-bit majors and 20-bit minors).
    /// </summary>
    public static class DeviceNumber
    {
        public static ulong Make(uint major, uint minor)
            => ((ulong)(major & 0xFFFFF000) << 32) | ((ulong)(major & 0xFFF) << 8) | ((ulong)(minor & 0xFFFFFF00) << 12) | (minor & 0xFF);

        public static uint Major(ulong dev) => (uint)(((dev >> 32) & 0xFFFFF000) | ((dev >> 8) & 0xFFF));

        public static uint Minor(ulong dev) => (uint)(((dev >> 12) & 0xFFFFFF00) | (dev & 0xFF));
    }
}
