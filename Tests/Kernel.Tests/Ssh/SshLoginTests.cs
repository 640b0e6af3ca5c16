using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Kernel.Tests.Ssh;

/// <summary>
/// A person logs in to the guest over SSH, as the README tells them to: the disk's dropbear, the host's OpenSSH
/// client through the forwarded port. Key and password logins and refusals, an interactive session in a
/// terminal (tmux), many logins in a row and at once, scp both ways. The same checks run on the managed kernel
/// and on Debian's Linux, each on QEMU and on our machine.
/// </summary>
public abstract class SshLoginTests<TGuest>(TGuest guest, ITestOutputHelper log) : IClassFixture<TGuest>
    where TGuest : SshGuest
{
    [Fact]
    public void Root_logs_in_with_the_project_key_and_runs_a_command()
    {
        HostResult r = guest.Ssh("uname -sm; id; echo home=$HOME shell=$SHELL; tty || true");
        Assert.True(r.Succeeded(), $"ssh failed ({r.ExitCode}): {r.Stderr}");
        Assert.Contains("Linux aarch64", r.Stdout);
        Assert.Contains("uid=0(root) gid=0(root)", r.Stdout);
        Assert.Contains("home=/root shell=/bin/sh", r.Stdout);
        Assert.Contains("not a tty", r.Stdout); // a command without -t gets no terminal
        // Exit statuses and standard error come back as they are.
        HostResult failing = guest.Ssh("echo to-stderr >&2; exit 7");
        Assert.Equal(7, failing.ExitCode);
        Assert.Contains("to-stderr", failing.Stderr);
    }

    [Fact]
    public void A_key_root_does_not_authorize_and_a_wrong_password_are_refused_and_a_password_set_with_passwd_logs_in()
    {
        string stranger = Path.Combine(guest.Folder, $"stranger-{Guid.NewGuid():N}");
        HostResult made = HostCommand.Run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", stranger], null, TimeSpan.FromSeconds(30));
        Assert.True(made.Succeeded(), made.Stderr);
        HostResult wrongKey = guest.Ssh("echo let-in", stranger);
        Assert.Equal(255, wrongKey.ExitCode);
        Assert.Contains("Permission denied", wrongKey.Stderr);
        Assert.DoesNotContain("let-in", wrongKey.Stdout);

        // Root has no password on a new image: no password, however empty, opens it.
        HostResult noPassword = guest.SshWithPassword("", "echo let-in");
        Assert.Equal(255, noPassword.ExitCode);
        Assert.DoesNotContain("let-in", noPassword.Stdout);

        // As the README says: log in on the console and run passwd.
        guest.Machine.SendLine("passwd");
        guest.Machine.WaitForShellPrompt("New password: ", TimeSpan.FromSeconds(30));
        guest.Machine.SendLine("correct-horse-7");
        guest.Machine.WaitForShellPrompt("Retype password: ", TimeSpan.FromSeconds(30));
        guest.Machine.SendLine("correct-horse-7");
        guest.Machine.WaitFor("password for root changed", TimeSpan.FromSeconds(60));

        HostResult wrong = guest.SshWithPassword("incorrect-horse-7", "echo let-in");
        Assert.Equal(255, wrong.ExitCode);
        Assert.Contains("Permission denied", wrong.Stderr);
        HostResult right = guest.SshWithPassword("correct-horse-7", "echo password-login-ok");
        Assert.True(right.Succeeded(), $"password login failed ({right.ExitCode}): {right.Stderr}");
        Assert.Contains("password-login-ok", right.Stdout);
    }

    [Fact]
    public void An_interactive_session_in_a_terminal_has_a_pty_window_size_job_control_and_ends_with_exit()
    {
        string session = $"ssh-{Guid.NewGuid():N}"[..16];
        Tmux("new-session", "-d", "-s", session, "-x", "100", "-y", "30", guest.SshCommandLine("-tt"));
        try
        {
            WaitForPane(session, "#", "the login shell's prompt");
            Type(session, "tty; stty size; echo mark-$((6*7))");
            string pane = WaitForPane(session, "mark-42", "the command's output");
            Assert.Matches(@"(?m)^/dev/pts/\d+\s*$", pane);
            Assert.Matches(@"(?m)^30 100\s*$", pane);

            // The terminal's size follows the window (SIGWINCH to the foreground).
            Tmux("resize-window", "-t", session, "-x", "120", "-y", "40");
            Thread.Sleep(500);
            // The awaited line is what the shell prints, never the echo of the typed line.
            Type(session, "stty size; echo resized-$((6*7))");
            pane = WaitForPane(session, "resized-42", "the second stty");
            Assert.Matches(@"(?m)^40 120\s*$", pane);

            // Ctrl-C reaches a program in the foreground through the line discipline; the shell lives on.
            Type(session, "sleep 300");
            Thread.Sleep(1000);
            Tmux("send-keys", "-t", session, "C-c");
            Type(session, "echo status-$?");
            WaitForPane(session, "status-130", "the interrupted program's status");

            Type(session, "exit");
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (HostCommand.Run("tmux", ["has-session", "-t", session], null, TimeSpan.FromSeconds(10)).Succeeded())
            {
                Assert.True(DateTime.UtcNow < deadline, "the session did not end after exit:\n" + Capture(session));
                Thread.Sleep(200);
            }
        }
        finally
        {
            HostCommand.Run("tmux", ["kill-session", "-t", session], null, TimeSpan.FromSeconds(10));
        }
    }

    [Fact]
    public async Task Twenty_logins_in_a_row_and_eight_at_once_all_succeed()
    {
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < 20; i++)
        {
            HostResult r = guest.Ssh($"echo login-{i}");
            Assert.True(r.Succeeded(), $"login {i} failed ({r.ExitCode}): {r.Stderr}");
            Assert.Equal($"login-{i}", r.Stdout.Trim());
        }
        log.WriteLine($"{guest.Kind.Name}: 20 logins in {watch.Elapsed.TotalSeconds:F1} s");
        watch.Restart();
        // Eight sessions open at the same time: each waits until all eight are logged in.
        Task<HostResult>[] logins = Enumerable.Range(0, 8).Select(i => Task.Run(() =>
            guest.Ssh($"touch /tmp/at-once-{i}; n=0; while [ $(ls /tmp | grep -c '^at-once-') -lt 8 ] && [ $n -lt 600 ]; do sleep 0.1; n=$((n+1)); done; echo together-{i}-$(ls /tmp | grep -c '^at-once-')"))).ToArray();
        HostResult[] results = await Task.WhenAll(logins);
        for (int i = 0; i < 8; i++)
        {
            HostResult r = results[i];
            Assert.True(r.Succeeded(), $"concurrent login {i} failed ({r.ExitCode}): {r.Stderr}");
            Assert.Equal($"together-{i}-8", r.Stdout.Trim());
        }
        log.WriteLine($"{guest.Kind.Name}: 8 concurrent logins in {watch.Elapsed.TotalSeconds:F1} s");
        // Every session's processes are gone: only the listening dropbear is left.
        string ps = guest.Ssh("ps -o pid,comm | grep -c dropbear").Stdout.Trim();
        Assert.Equal("2", ps); // the listener and this session's own
    }

    [Fact]
    public void Scp_copies_sixteen_MiB_each_way_intact()
    {
        string local = Path.Combine(guest.Folder, "up.bin");
        byte[] data = RandomNumberGenerator.GetBytes(16 << 20);
        File.WriteAllBytes(local, data);
        string sum = Convert.ToHexString(SHA256.HashData(data)).ToLowerInvariant();
        var watch = Stopwatch.StartNew();
        HostResult up = guest.Scp(local, "root@127.0.0.1:/tmp/up.bin");
        Assert.True(up.Succeeded(), $"scp to the guest failed ({up.ExitCode}): {up.Stderr}");
        double upSeconds = watch.Elapsed.TotalSeconds;
        HostResult check = guest.Ssh("sha256sum /tmp/up.bin");
        Assert.StartsWith(sum, check.Stdout);

        string back = Path.Combine(guest.Folder, "down.bin");
        watch.Restart();
        HostResult down = guest.Scp("root@127.0.0.1:/tmp/up.bin", back);
        Assert.True(down.Succeeded(), $"scp from the guest failed ({down.ExitCode}): {down.Stderr}");
        double downSeconds = watch.Elapsed.TotalSeconds;
        Assert.Equal(sum, Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(back))).ToLowerInvariant());
        log.WriteLine($"{guest.Kind.Name}: 16 MiB up in {upSeconds:F1} s, down in {downSeconds:F1} s");
        guest.Ssh("rm /tmp/up.bin");
    }

    private static void Tmux(params string[] args)
    {
        HostResult r = HostCommand.Run("tmux", args, null, TimeSpan.FromSeconds(10));
        Assert.True(r.Succeeded(), $"tmux {string.Join(' ', args)} failed: {r.Stderr}");
    }

    private static void Type(string session, string line) => Tmux("send-keys", "-t", session, "-l", line + "\r");

    private static string Capture(string session) =>
        HostCommand.Run("tmux", ["capture-pane", "-p", "-t", session], null, TimeSpan.FromSeconds(10)).Stdout;

    /// <summary>Waits until the pane shows a line matching <paramref name="pattern"/>; returns the pane.</summary>
    private static string WaitForPane(string session, string pattern, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        string pane;
        while (!Regex.IsMatch(pane = Capture(session), pattern, RegexOptions.Multiline))
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{what} never showed in the terminal; it shows:\n{pane}");
            Thread.Sleep(200);
        }
        return pane;
    }
}

[Collection("Qemu")]
public sealed class SshLoginTestsOnQemu(SshGuestOnQemu guest, ITestOutputHelper log) : SshLoginTests<SshGuestOnQemu>(guest, log);

[Collection("Emulator")]
public sealed class SshLoginTestsOnEmulator(SshGuestOnEmulator guest, ITestOutputHelper log) : SshLoginTests<SshGuestOnEmulator>(guest, log);

[Collection("Qemu")]
public sealed class LinuxSshLoginTestsOnQemu(LinuxSshGuestOnQemu guest, ITestOutputHelper log) : SshLoginTests<LinuxSshGuestOnQemu>(guest, log);

[Collection("Emulator")]
public sealed class LinuxSshLoginTestsOnEmulator(LinuxSshGuestOnEmulator guest, ITestOutputHelper log) : SshLoginTests<LinuxSshGuestOnEmulator>(guest, log);
