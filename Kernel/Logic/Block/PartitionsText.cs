namespace Kernel.Logic.Block
{
    /// <summary>
    /// /proc/partitions as Linux prints it (block/genhd.c): a header and a blank line when there is any
    /// disk (even an empty one), then "%4d  %7d %10llu %s" per disk: major, minor, size in 1 KiB blocks, name. Disks of
    /// no sectors are left out, as Linux leaves them out.
    /// </summary>
    public static class PartitionsText
    {
        public static void Render(BlockDeviceTable table, ref TextBuilder t)
        {
            if (table.Count > 0)
                t.Append("major minor  #blocks  name\n\n"u8);
            for (int i = 0; i < table.Count; i++)
            {
                BlockDeviceEntry e = table.At(i);
                if (e.Device.SectorCount == 0)
                    continue;
                t.Decimal(e.Major, 4);
                t.Append("  "u8);
                t.Decimal(e.Minor, 7);
                t.Append((byte)' ');
                t.Decimal(e.Device.SectorCount / 2, 10);
                t.Append((byte)' ');
                t.Append(e.Name);
                t.Append((byte)'\n');
            }
        }
    }
}
