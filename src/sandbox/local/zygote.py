
# pywarden fork server ("zygote"): appended to the runner's definitions (runner.py without its
# last line) and executed as `python -I -S -B -c <source>` inside the fork server's sandbox
# (see src/sandbox/local/zygote.rs). It starts once; every job is a `fork` of it, so a run
# costs a fork instead of an interpreter start.
#
# The zygote never sees a job's code or context: it receives only numbers and file
# descriptors, forks, and the child reads the job from its own stdin exactly as a cold-started
# runner does. So no job's data is ever in the memory that later jobs inherit.
#
# Control socket: fd 4, AF_UNIX SOCK_SEQPACKET (one message = one record).
#   request : b"R <cpu seconds> <address-space bytes> <nofile> <has ruleset 0|1>" with, as
#             SCM_RIGHTS, stdin (read end), stdout, stderr, result (write ends), the scratch
#             directory (O_PATH) and, when has ruleset, the job's Landlock ruleset.
#   replies : b"P <pid>" with the child's pidfd as SCM_RIGHTS; or b"X <message>".
#   reports : b"E <pid> <wait status> <user us> <system us> <max rss kB>" when a child ends.
# EOF on the socket (the server is gone or shutting down) ends the zygote.
#
# The child, before it reads anything: own session; the job's pipes on fds 0-3; cwd = its
# scratch directory; RLIMIT_AS/CPU/NOFILE of the job; parent-death signal; its own Landlock
# layer (only its scratch directory is writable: sibling jobs cannot reach each other's files,
# signal or ptrace each other); the process-creation seccomp filter; every other fd closed;
# TMPDIR/HOME = its scratch directory; the zygote's helper modules dropped from sys.modules.
# A failure in any step is reported on fd 3 as a SandboxError and the child exits with 121
# without reading its job (fail closed).


def _pywarden_zygote(base_modules, child_filter, nr_landlock_restrict_self):
    import _socket
    import array
    import select
    import resource
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    c_ulong = ctypes.c_ulong

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    filter_buf = ctypes.create_string_buffer(child_filter, len(child_filter) or 1)
    fprog = SockFprog(len(child_filter) // 8, ctypes.addressof(filter_buf))

    ctl = _socket.socket(fileno=4)
    rights = _socket.SCM_RIGHTS
    sol = _socket.SOL_SOCKET
    poller = select.poll()
    poller.register(4, select.POLLIN)
    children = {}

    def child(fds, cpu, mem, nofile, has_ruleset):
        stage = "setsid"
        try:
            posix.setsid()
            stage = "fds"
            for i in range(4):
                posix.dup2(fds[i], i)
            stage = "chdir scratch"
            posix.fchdir(fds[4])
            scratch = posix.getcwd()
            stage = "setrlimit"
            resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
            resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
            stage = "parent-death signal"
            if libc.prctl(1, c_ulong(9), c_ulong(0), c_ulong(0), c_ulong(0)) != 0:  # PR_SET_PDEATHSIG, SIGKILL
                raise OSError(ctypes.get_errno(), "prctl")
            if posix.getppid() != zygote_pid:
                raise OSError(0, "the fork server is gone")
            if has_ruleset:
                stage = "landlock_restrict_self"
                if libc.syscall(ctypes.c_long(nr_landlock_restrict_self), ctypes.c_long(fds[5]),
                                ctypes.c_long(0)) != 0:
                    raise OSError(ctypes.get_errno(), "landlock_restrict_self")
            if child_filter:
                stage = "seccomp"
                # PR_SET_SECCOMP, SECCOMP_MODE_FILTER (no_new_privs is inherited)
                if libc.prctl(22, c_ulong(2), ctypes.byref(fprog), c_ulong(0), c_ulong(0)) != 0:
                    raise OSError(ctypes.get_errno(), "seccomp")
            stage = "close fds"
            posix.closerange(4, 1 << 20)
            stage = "environment"
            path = scratch.encode()
            for key in (b"TMPDIR", b"HOME"):
                posix.putenv(key, path)
                posix.environ[key] = path
            stage = "setrlimit"
            resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
            # Out of sys.modules (as in a cold runner), but kept referenced: freeing them
            # would write to (and so copy) many inherited pages.
            dropped = [sys.modules.pop(m) for m in [m for m in sys.modules if m not in base_modules]]
        except BaseException as e:  # noqa: BLE001 - any failure: report, never run the job
            try:
                posix.write(3, f"PYWARDEN1\x00121\x00SandboxError\x00fork server child setup failed at "
                               f"{stage}: {e}".encode("utf-8", "replace"))
            finally:
                posix._exit(121)
        # The child must never return into the loop below (it would serve the zygote's socket
        # as if it were the zygote): what escapes the runner ends the process, as it would
        # end a cold-started interpreter (traceback on stderr, status 1).
        try:
            _pywarden_main()
        except SystemExit as e:
            c = e.code
            posix._exit(0 if c is None else c & 0xFF if isinstance(c, int) else 1)
        except BaseException as e:  # noqa: BLE001
            try:
                sys.excepthook(type(e), e, e.__traceback__)
                sys.stderr.flush()
            finally:
                posix._exit(1)
        finally:
            posix._exit(1)

    zygote_pid = posix.getpid()
    # Everything allocated so far goes to the collector's permanent generation: a child's
    # collections then do not walk (and so copy-on-write) the inherited objects' pages.
    import gc
    gc.freeze()
    ctl.send(b"READY")
    while True:
        for fd, _ in poller.poll():
            if fd == 4:
                try:
                    msg, anc, _flags, _addr = ctl.recvmsg(256, _socket.CMSG_SPACE(8 * 4))
                except InterruptedError:
                    continue
                if not msg:
                    posix._exit(0)
                fds = []
                for level, kind, data in anc:
                    if level == sol and kind == rights:
                        a = array.array("i")
                        a.frombytes(data[: len(data) - len(data) % a.itemsize])
                        fds.extend(a)
                try:
                    parts = msg.split()
                    if parts[0] != b"R" or len(parts) != 5:
                        raise ValueError(f"bad request {msg[:40]!r}")
                    cpu, mem, nofile, has_ruleset = (int(x) for x in parts[1:])
                    if len(fds) != 5 + has_ruleset:
                        raise ValueError(f"expected {5 + has_ruleset} fds, got {len(fds)}")
                    pid = posix.fork()
                    if pid == 0:
                        child(fds, cpu, mem, nofile, has_ruleset)
                    pidfd = posix.pidfd_open(pid)
                except BaseException as e:  # noqa: BLE001 - answer, and keep serving
                    for f in fds:
                        posix.close(f)
                    ctl.sendmsg([f"X {type(e).__name__}: {e}".encode("utf-8", "replace")[:1000]])
                    continue
                for f in fds:
                    posix.close(f)
                children[pidfd] = pid
                poller.register(pidfd, select.POLLIN)
                ctl.sendmsg([b"P %d" % pid], [(sol, rights, array.array("i", [pidfd]))])
            else:
                pid = children.pop(fd)
                poller.unregister(fd)
                posix.close(fd)
                _, status, ru = posix.wait4(pid, 0)
                ctl.sendmsg([b"E %d %d %d %d %d" % (
                    pid, status, round(ru.ru_utime * 1e6), round(ru.ru_stime * 1e6), ru.ru_maxrss)])
