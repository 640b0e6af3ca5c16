using System.Buffers.Binary;
using System.Text;
using Kernel.Logic;
using Kernel.Logic.Process;

namespace Kernel.Tests.Processes;

public class ElfImageTests
{
    /// <summary>A freestanding program with data, bss and thread-locals: every segment kind a static binary has.</summary>
    private const string Program = """
        __thread int tv = 5;
        __thread char tb[64];
        int data = 3;
        char bss[10000];
        static long sys(long n, long a, long b, long c)
        {
            register long x8 __asm__("x8") = n;
            register long x0 __asm__("x0") = a;
            register long x1 __asm__("x1") = b;
            register long x2 __asm__("x2") = c;
            __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory");
            return x0;
        }
        void _start(void)
        {
            sys(64, 1, (long)"hi\n", 3);
            sys(93, data + bss[5] + tv + tb[1], 0, 0);
        }
        """;

    private const string Freestanding = "-nostdlib -O2 -fno-stack-protector";

    public static TheoryData<string> Variants => new()
    {
        "-static",
        "-static-pie",
        "",   // dynamically linked PIE: PT_PHDR and PT_INTERP
        "-static -Wl,-z,execstack",
        "-static -Wl,-z,max-page-size=4096 -Wl,-z,noseparate-code",
        "-no-pie -Wl,-z,max-page-size=4096",
    };

    private static byte[] Head(byte[] file, int length = 4096) => file[..Math.Min(length, file.Length)];

    private static ElfImage ParseOk(byte[] file, int headLength = 4096)
    {
        int r = ElfImage.Parse(Head(file, headLength), (ulong)file.Length, out ElfImage image);
        Assert.Equal(0, r);
        return image;
    }

    private static void AssertMatchesReadElf(ElfImage image, Arm64Tools.ReadElfInfo info, byte[] file)
    {
        Assert.Equal(info.Type == "EXEC" ? ElfType.Executable : ElfType.Dynamic, image.Type);
        Assert.Equal(info.Entry + image.LoadBias, image.Entry);
        Assert.Equal(info.ProgramHeaderCount, image.ProgramHeaderCount);
        Assert.Equal(info.ProgramHeaderSize, image.ProgramHeaderEntrySize);
        Assert.Equal(info.ProgramHeaderOffset, image.ProgramHeaderOffset);

        var loads = info.Segments.Where(s => s.Type == "LOAD").ToList();
        Assert.Equal(loads.Count, image.LoadCount);
        for (int i = 0; i < loads.Count; i++)
        {
            ElfSegment s = image.GetLoad(i);
            Assert.Equal(loads[i].VirtualAddress + image.LoadBias, s.VirtualAddress);
            Assert.Equal(loads[i].Offset, s.FileOffset);
            Assert.Equal(loads[i].FileSize, s.FileSize);
            Assert.Equal(loads[i].MemorySize, s.MemorySize);
            Assert.Equal(loads[i].Flags.Contains('R'), s.Readable);
            Assert.Equal(loads[i].Flags.Contains('W'), s.Writable);
            Assert.Equal(loads[i].Flags.Contains('E'), s.Executable);
            // Page rounding: the mapping covers the segment and maps file bytes at congruent offsets.
            Assert.Equal(0UL, s.MapStart % 4096);
            Assert.Equal(0UL, s.MapEnd % 4096);
            Assert.True(s.MapStart <= s.VirtualAddress && s.MapStart + 4096 > s.VirtualAddress);
            Assert.True(s.MapEnd >= s.MemoryEnd && s.MapEnd - 4096 < s.MemoryEnd);
            Assert.Equal(s.VirtualAddress - s.MapStart, s.FileOffset - s.MapFileOffset);
            Assert.True(s.FilePagesEnd <= s.MapEnd && s.FilePagesEnd >= s.FileEnd);
        }

        var tls = info.Segments.SingleOrDefault(s => s.Type == "TLS");
        Assert.Equal(tls != null, image.HasTls);
        if (tls != null)
        {
            Assert.Equal(tls.VirtualAddress + image.LoadBias, image.TlsAddress);
            Assert.Equal(tls.FileSize, image.TlsFileSize);
            Assert.Equal(tls.MemorySize, image.TlsMemorySize);
            Assert.Equal(tls.Align, image.TlsAlign);
        }
        var stack = info.Segments.SingleOrDefault(s => s.Type == "GNU_STACK");
        Assert.Equal(stack != null, image.HasGnuStack);
        Assert.Equal(stack != null && stack.Flags.Contains('E'), image.ExecutableStack);

        Assert.Equal(info.Interpreter != null, image.HasInterpreter);
        if (info.Interpreter != null)
        {
            var path = file.AsSpan((int)image.InterpreterOffset, image.InterpreterLength);
            Assert.Equal(0, path[^1]);
            Assert.Equal(info.Interpreter, Encoding.ASCII.GetString(path[..^1]));
        }

        // AT_PHDR: PT_PHDR when present, else where the first LOAD puts file offset e_phoff.
        var phdr = info.Segments.SingleOrDefault(s => s.Type == "PHDR");
        ulong expected = phdr != null
            ? phdr.VirtualAddress
            : loads.Where(l => l.Offset <= info.ProgramHeaderOffset && info.ProgramHeaderOffset < l.Offset + l.FileSize)
                .Select(l => l.VirtualAddress + (info.ProgramHeaderOffset - l.Offset)).First();
        Assert.True(image.HasProgramHeaderAddress);
        Assert.Equal(expected + image.LoadBias, image.ProgramHeaderAddress);
        // The bytes there in memory are the program-header table itself.
        ElfSegment covering = Enumerable.Range(0, image.LoadCount).Select(image.GetLoad)
            .First(s => s.VirtualAddress <= image.ProgramHeaderAddress && image.ProgramHeaderAddress < s.FileEnd);
        ulong fileOffsetOfPhdr = covering.FileOffset + (image.ProgramHeaderAddress - covering.VirtualAddress);
        Assert.Equal(info.ProgramHeaderOffset, fileOffsetOfPhdr);
    }

    [Fact]
    public void Busybox_matches_readelf_from_its_first_page()
    {
        string path = Arm64Tools.Busybox();
        byte[] file = File.ReadAllBytes(path);
        ElfImage image = ParseOk(file);
        AssertMatchesReadElf(image, Arm64Tools.ReadElf(path), file);
        Assert.Equal(0x400580UL, image.Entry);   // Debian's busybox-static 1.35 (values printed by readelf -lh)
        Assert.Equal(0x400040UL, image.ProgramHeaderAddress);
        Assert.False(image.HasInterpreter);
        Assert.False(image.ExecutableStack);
    }

    [Fact]
    public void Busybox_data_segment_is_mapped_from_page_rounded_offsets()
    {
        byte[] file = File.ReadAllBytes(Arm64Tools.Busybox());
        ElfImage image = ParseOk(file);
        Assert.Equal(2, image.LoadCount);
        ElfSegment text = image.GetLoad(0), data = image.GetLoad(1);
        Assert.True(text.Readable && text.Executable && !text.Writable);
        Assert.True(data.Readable && data.Writable && !data.Executable);
        // LOAD 0x1b9850 0x5c9850 filesz 0x8cc8 memsz 0xfdb8
        Assert.Equal(0x5c9000UL, data.MapStart);
        Assert.Equal(0x1b9000UL, data.MapFileOffset);
        Assert.Equal(0x5c9850UL + 0x8cc8, data.FileEnd);
        Assert.Equal(0x5d3000UL, data.FilePagesEnd);
        Assert.Equal(0x5da000UL, data.MapEnd);
        Assert.Equal(0x5c9850UL + 0xfdb8, image.ImageEnd);
        Assert.Equal(0x400000UL, image.ImageStart);
        Assert.Equal(0x5da000UL - 0x400000, image.ImageSpan);
        Assert.Equal(0x10000UL, image.MaxAlign);
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Compiled_programs_match_readelf(string flags)
    {
        string path = Arm64Tools.Compile(Program, Freestanding + " " + flags);
        byte[] file = File.ReadAllBytes(path);
        ElfImage image = ParseOk(file);
        AssertMatchesReadElf(image, Arm64Tools.ReadElf(path), file);
    }

    [Fact]
    public void Dynamic_executable_reports_its_interpreter()
    {
        string path = Arm64Tools.Compile(Program, Freestanding);
        byte[] file = File.ReadAllBytes(path);
        ElfImage image = ParseOk(file);
        Assert.True(image.HasInterpreter);
        Assert.Equal("/lib/ld-linux-aarch64.so.1\0", Encoding.ASCII.GetString(file, (int)image.InterpreterOffset, image.InterpreterLength));
        Assert.Equal(ElfType.Dynamic, image.Type);
    }

    [Fact]
    public void Execstack_is_reported()
    {
        ElfImage image = ParseOk(File.ReadAllBytes(Arm64Tools.Compile(Program, Freestanding + " -static -Wl,-z,execstack")));
        Assert.True(image.HasGnuStack);
        Assert.True(image.ExecutableStack);
        Assert.Equal(7u, image.GnuStackFlags);
    }

    [Fact]
    public void Static_pie_moves_by_the_chosen_bias()
    {
        string path = Arm64Tools.Compile(Program, Freestanding + " -static-pie");
        byte[] file = File.ReadAllBytes(path);
        ElfImage image = ParseOk(file);
        Assert.Equal(ElfType.Dynamic, image.Type);
        Assert.False(image.HasInterpreter);
        ulong entry = image.Entry, phdr = image.ProgramHeaderAddress, tls = image.TlsAddress;
        ElfSegment before = image.GetLoad(1);
        const ulong bias = 0x5555_6666_0000;
        Assert.Equal(0, image.SetLoadBias(bias));
        Assert.Equal(bias, image.LoadBias);
        Assert.Equal(entry + bias, image.Entry);
        Assert.Equal(phdr + bias, image.ProgramHeaderAddress);
        Assert.Equal(tls + bias, image.TlsAddress);
        ElfSegment after = image.GetLoad(1);
        Assert.Equal(before.VirtualAddress + bias, after.VirtualAddress);
        Assert.Equal(before.MapStart + bias, after.MapStart);
        Assert.Equal(before.MapFileOffset, after.MapFileOffset);
        AssertMatchesReadElf(image, Arm64Tools.ReadElf(path), file);

        Assert.Equal(-Errno.ENOEXEC, image.SetLoadBias(0x1234));                  // not page-aligned
        Assert.Equal(-Errno.ENOEXEC, image.SetLoadBias((1UL << 47) - 0x1000));    // image would cross into the kernel half
        Assert.Equal(-Errno.ENOEXEC, image.SetLoadBias(0xffff_0000_0000_0000));
        Assert.Equal(bias, image.LoadBias);   // failures leave the bias alone
        ulong highest = (1UL << 47) - image.ImageSpan - image.ImageStart + image.LoadBias;
        Assert.Equal(0, image.SetLoadBias(highest & ~0xfffUL));
    }

    [Fact]
    public void Executable_accepts_only_a_zero_bias()
    {
        ElfImage image = ParseOk(File.ReadAllBytes(Arm64Tools.Busybox()));
        Assert.Equal(-Errno.ENOEXEC, image.SetLoadBias(0x10000));
        Assert.Equal(0, image.SetLoadBias(0));
    }

    [Fact]
    public void Program_headers_outside_the_head_are_parsed_from_a_separate_read()
    {
        // Move busybox's program-header table to the end of the file: readelf still reads it, the
        // first page no longer holds it, and no LOAD maps it (no AT_PHDR address).
        string original = Arm64Tools.Busybox();
        byte[] file = File.ReadAllBytes(original);
        ushort phnum = BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(56));
        ulong phoff = BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(32));
        int size = phnum * 56;
        byte[] moved = new byte[(file.Length + 7) / 8 * 8 + size];
        file.CopyTo(moved, 0);
        int newOffset = moved.Length - size;
        file.AsSpan((int)phoff, size).CopyTo(moved.AsSpan(newOffset));
        BinaryPrimitives.WriteUInt64LittleEndian(moved.AsSpan(32), (ulong)newOffset);
        string path = Path.Combine(Path.GetTempPath(), $"elf-moved-phdrs-{Environment.ProcessId}");
        File.WriteAllBytes(path, moved);
        try
        {
            byte[] head = moved[..4096];
            Assert.Equal(-Errno.ENOEXEC, ElfImage.Parse(head, (ulong)moved.Length, out _));
            Assert.Equal(0, ElfImage.GetProgramHeaderRange(head, (ulong)moved.Length, out ulong offset, out int length));
            Assert.Equal((ulong)newOffset, offset);
            Assert.Equal(size, length);
            Assert.Equal(0, ElfImage.Parse(head, moved.AsSpan(newOffset, size), (ulong)moved.Length, out ElfImage image));
            var info = Arm64Tools.ReadElf(path);
            Assert.Equal((ulong)newOffset, info.ProgramHeaderOffset);
            Assert.Equal(info.Segments.Count(s => s.Type == "LOAD"), image.LoadCount);
            Assert.Equal(info.Entry, image.Entry);
            Assert.False(image.HasProgramHeaderAddress);
            Assert.Equal(0UL, image.ProgramHeaderAddress);
            // A table of the wrong length is refused.
            Assert.Equal(-Errno.ENOEXEC, ElfImage.Parse(head, moved.AsSpan(newOffset, size - 1), (ulong)moved.Length, out _));
        }
        finally
        {
            File.Delete(path);
        }
    }

    // ---- malformed input: always -ENOEXEC, never an exception ----

    private static byte[] StaticProgram() => File.ReadAllBytes(Arm64Tools.Compile(Program, Freestanding + " -static"));

    private static int ParseWhole(byte[] file) => ElfImage.Parse(file, (ulong)file.Length, out _);

    [Fact]
    public void Every_truncation_is_refused()
    {
        byte[] file = StaticProgram();
        Assert.Equal(0, ParseWhole(file));
        // The second LOAD ends at the end of the file's data: any shorter file loses part of a segment.
        ElfImage image = ParseOk(file);
        ulong needed = Enumerable.Range(0, image.LoadCount).Select(i => image.GetLoad(i)).Max(s => s.FileOffset + s.FileSize);
        for (int n = 0; n < (int)needed; n += n < 1024 ? 1 : 97)
        {
            byte[] cut = file[..n];
            Assert.Equal(-Errno.ENOEXEC, ParseWhole(cut));
            Assert.Equal(-Errno.ENOEXEC, ElfImage.Parse(file, (ulong)n, out _));   // a head longer than the claimed file
        }
        Assert.Equal(0, ElfImage.Parse(file[..(int)needed], needed, out _));
    }

    private static byte[] Patch(byte[] file, Action<Span<byte>> patch)
    {
        byte[] copy = (byte[])file.Clone();
        patch(copy);
        return copy;
    }

    private static int PhOff(byte[] f) => (int)BinaryPrimitives.ReadUInt64LittleEndian(f.AsSpan(32));

    /// <summary>The program header of the <paramref name="n"/>th segment of type <paramref name="type"/>.</summary>
    private static Span<byte> Ph(Span<byte> f, uint type, int n = 0)
    {
        int phoff = (int)BinaryPrimitives.ReadUInt64LittleEndian(f[32..]);
        int phnum = BinaryPrimitives.ReadUInt16LittleEndian(f[56..]);
        for (int i = 0; i < phnum; i++)
        {
            Span<byte> ph = f.Slice(phoff + i * 56, 56);
            if (BinaryPrimitives.ReadUInt32LittleEndian(ph) == type && n-- == 0)
                return ph;
        }
        throw new InvalidOperationException("no such segment");
    }

    public static TheoryData<string> HeaderDamage => new()
    {
        "magic", "class32", "bigendian", "identversion", "relocatable", "core", "x86-64", "version0",
        "phentsize32", "phnum0", "phoff-huge", "phoff-past-end", "phnum-over-a-page", "entry-kernel-half",
    };

    [Theory]
    [MemberData(nameof(HeaderDamage))]
    public void Damaged_header_is_refused(string damage)
    {
        byte[] file = StaticProgram();
        byte[] bad = Patch(file, f =>
        {
            switch (damage)
            {
                case "magic": f[1] = (byte)'e'; break;
                case "class32": f[4] = 1; break;
                case "bigendian": f[5] = 2; break;
                case "identversion": f[6] = 0; break;
                case "relocatable": BinaryPrimitives.WriteUInt16LittleEndian(f[16..], 1); break;
                case "core": BinaryPrimitives.WriteUInt16LittleEndian(f[16..], 4); break;
                case "x86-64": BinaryPrimitives.WriteUInt16LittleEndian(f[18..], 62); break;
                case "version0": BinaryPrimitives.WriteUInt32LittleEndian(f[20..], 0); break;
                case "phentsize32": BinaryPrimitives.WriteUInt16LittleEndian(f[54..], 32); break;
                case "phnum0": BinaryPrimitives.WriteUInt16LittleEndian(f[56..], 0); break;
                case "phoff-huge": BinaryPrimitives.WriteUInt64LittleEndian(f[32..], 0xffff_ffff_ffff_ffc0); break;
                case "phoff-past-end": BinaryPrimitives.WriteUInt64LittleEndian(f[32..], (ulong)f.Length - 100); break;
                case "phnum-over-a-page": BinaryPrimitives.WriteUInt16LittleEndian(f[56..], 74); break;
                case "entry-kernel-half": BinaryPrimitives.WriteUInt64LittleEndian(f[24..], 0xffff_0000_0040_0000); break;
            }
        });
        Assert.Equal(-Errno.ENOEXEC, ParseWhole(bad));
    }

    public static TheoryData<string> SegmentDamage => new()
    {
        "offset-overflow", "filesz-past-end", "filesz-over-memsz", "not-congruent", "vaddr-kernel-half",
        "memsz-overflow", "memsz-crosses-limit", "unsorted", "overlapping", "tls-past-end", "interp-empty", "interp-too-long",
        "interp-past-end", "phdr-kernel-half",
    };

    [Theory]
    [MemberData(nameof(SegmentDamage))]
    public void Damaged_segment_is_refused(string damage)
    {
        byte[] file = damage.StartsWith("interp", StringComparison.Ordinal) || damage.StartsWith("phdr", StringComparison.Ordinal)
            ? File.ReadAllBytes(Arm64Tools.Compile(Program, Freestanding))
            : StaticProgram();
        Assert.Equal(0, ParseWhole(file));
        byte[] bad = Patch(file, f =>
        {
            const uint load = 1, interp = 3, tls = 7, phdr = 6;
            Span<byte> first = Ph(f, load, 0), second = Ph(f, load, 1);
            switch (damage)
            {
                case "offset-overflow": BinaryPrimitives.WriteUInt64LittleEndian(second[8..], 0xffff_ffff_ffff_f000); break;
                case "filesz-past-end": BinaryPrimitives.WriteUInt64LittleEndian(second[32..], (ulong)f.Length); break;
                case "filesz-over-memsz":
                    BinaryPrimitives.WriteUInt64LittleEndian(first[40..], BinaryPrimitives.ReadUInt64LittleEndian(first[32..]) - 1);
                    break;
                case "not-congruent": BinaryPrimitives.WriteUInt64LittleEndian(second[16..], BinaryPrimitives.ReadUInt64LittleEndian(second[16..]) + 8); break;
                case "vaddr-kernel-half": BinaryPrimitives.WriteUInt64LittleEndian(second[16..], 0xffff_8000_0041_0000); break;
                case "memsz-overflow": BinaryPrimitives.WriteUInt64LittleEndian(second[40..], ulong.MaxValue - 0x1000); break;
                case "memsz-crosses-limit": BinaryPrimitives.WriteUInt64LittleEndian(second[40..], (1UL << 47) - 0x410000 + 1); break;
                case "unsorted":
                    {
                        byte[] a = first.ToArray();
                        second.CopyTo(first);
                        a.CopyTo(second);
                        break;
                    }
                case "overlapping": BinaryPrimitives.WriteUInt64LittleEndian(first[40..], 0x10001); break;
                case "tls-past-end": BinaryPrimitives.WriteUInt64LittleEndian(Ph(f, tls)[8..], (ulong)f.Length); break;
                case "interp-empty": BinaryPrimitives.WriteUInt64LittleEndian(Ph(f, interp)[32..], 0); break;
                case "interp-too-long": BinaryPrimitives.WriteUInt64LittleEndian(Ph(f, interp)[32..], 4097); break;
                case "interp-past-end": BinaryPrimitives.WriteUInt64LittleEndian(Ph(f, interp)[8..], (ulong)f.Length - 4); break;
                case "phdr-kernel-half": BinaryPrimitives.WriteUInt64LittleEndian(Ph(f, phdr)[16..], (1UL << 47) - 8); break;
            }
        });
        Assert.Equal(-Errno.ENOEXEC, ParseWhole(bad));
    }

    [Fact]
    public void More_load_segments_than_kept_are_refused_not_overrun()
    {
        // 17 page-sized LOAD segments, each mapping the file's first page at successive addresses.
        const int count = ElfImage.MaxLoadSegments + 1;
        byte[] f = new byte[8192];
        Encoding.ASCII.GetBytes("\x7f" + "ELF").CopyTo(f, 0);
        f[4] = 2; f[5] = 1; f[6] = 1;
        BinaryPrimitives.WriteUInt16LittleEndian(f.AsSpan(16), 2);
        BinaryPrimitives.WriteUInt16LittleEndian(f.AsSpan(18), 183);
        BinaryPrimitives.WriteUInt32LittleEndian(f.AsSpan(20), 1);
        BinaryPrimitives.WriteUInt64LittleEndian(f.AsSpan(24), 0x400000);
        BinaryPrimitives.WriteUInt64LittleEndian(f.AsSpan(32), 64);
        BinaryPrimitives.WriteUInt16LittleEndian(f.AsSpan(52), 64);
        BinaryPrimitives.WriteUInt16LittleEndian(f.AsSpan(54), 56);
        for (int phnum = count - 1; phnum <= count; phnum++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(f.AsSpan(56), (ushort)phnum);
            for (int i = 0; i < phnum; i++)
            {
                Span<byte> ph = f.AsSpan(64 + i * 56, 56);
                BinaryPrimitives.WriteUInt32LittleEndian(ph, 1);
                BinaryPrimitives.WriteUInt32LittleEndian(ph[4..], 5);
                BinaryPrimitives.WriteUInt64LittleEndian(ph[16..], 0x400000 + (ulong)i * 0x1000);
                BinaryPrimitives.WriteUInt64LittleEndian(ph[32..], 0x1000);
                BinaryPrimitives.WriteUInt64LittleEndian(ph[40..], 0x1000);
                BinaryPrimitives.WriteUInt64LittleEndian(ph[48..], 0x1000);
            }
            int r = ElfImage.Parse(f, (ulong)f.Length, out ElfImage image);
            if (phnum == count)
                Assert.Equal(-Errno.ENOEXEC, r);
            else
            {
                Assert.Equal(0, r);
                Assert.Equal(phnum, image.LoadCount);
                Assert.Equal(0x400000UL + (ulong)(phnum - 1) * 0x1000, image.GetLoad(phnum - 1).VirtualAddress);
                Assert.Equal(0x400040UL, image.ProgramHeaderAddress);
            }
        }
    }

    [Fact]
    public void Random_damage_never_throws_and_accepted_images_stay_in_bounds()
    {
        byte[] file = StaticProgram();
        var random = new Random(1234);
        int accepted = 0;
        for (int round = 0; round < 20000; round++)
        {
            byte[] bad = (byte[])file.Clone();
            int changes = 1 + random.Next(4);
            for (int c = 0; c < changes; c++)
                bad[random.Next(64 + 6 * 56)] = (byte)random.Next(256);
            int length = random.Next(8) == 0 ? random.Next(bad.Length) : bad.Length;
            int r = ElfImage.Parse(bad.AsSpan(0, Math.Min(length, 4096)), (ulong)length, out ElfImage image);
            Assert.True(r == 0 || r == -Errno.ENOEXEC, $"round {round}: {r}");
            if (r != 0)
                continue;
            accepted++;
            Assert.True(image.Entry < 1UL << 47);
            for (int i = 0; i < image.LoadCount; i++)
            {
                ElfSegment s = image.GetLoad(i);
                Assert.True(s.FileOffset + s.FileSize <= (ulong)length);
                Assert.True(s.FileSize <= s.MemorySize);
                Assert.True(s.MapEnd <= 1UL << 47 && s.MapStart <= s.VirtualAddress);
                Assert.Equal(s.VirtualAddress % 4096, s.FileOffset % 4096);
                if (i > 0)
                    Assert.True(s.VirtualAddress >= image.GetLoad(i - 1).MemoryEnd);
            }
        }
        Assert.InRange(accepted, 100, 19999);   // the damage hits both harmless and fatal fields
    }
}
