# pywarden runner: executed as `python -I -S -B -c <this file>` (or its precompiled code)
# inside the local sandbox.
#
# Protocol (see `encode_job` and `parse_result` in src/sandbox/local/mod.rs):
#   stdin  : b"PYWARDEN1 <flags> <imports_len> <code_len> <ctx_len>\n" + imports + code + ctx
#            flags: "g" = install runtime guards, "-" = none. imports: comma-separated names.
#            ctx: the context as `marshal` data (written by `encode_context` in mod.rs from the
#            JSON value: None, bool, int, float, str, list, dict only), bound to the name
#            `context` (empty = None). Never pasted into source.
#   fd 3   : the outcome, b"PYWARDEN1\0<exit code>\0<exception type>\0<message>".
# The code reads the whole job before doing anything, so a warm-pool interpreter can wait here.
#
# Start-up cost matters (one interpreter per run): the runner imports only built-in modules
# (sys, posix, marshal; no `os`, which alone costs ~1.3 ms of CPU by pulling in
# _collections_abc, posixpath and stat, and no `json`, ~5 ms with `re` and `enum`). Hence the
# small realpath below instead of os.path.realpath, and marshal instead of JSON for the context.
import sys
import posix


def _pywarden_main():
    data = sys.stdin.buffer.read()
    header, _, rest = data.partition(b"\n")
    parts = header.split(b" ")
    if len(parts) != 5 or parts[0] != b"PYWARDEN1":
        posix.write(3, b"PYWARDEN1\x00120\x00RunnerError\x00bad job header")
        posix._exit(120)
    flags = parts[1]
    n_imp, n_code, n_ctx = int(parts[2]), int(parts[3]), int(parts[4])
    imports = rest[:n_imp].decode()
    code = rest[n_imp:n_imp + n_code].decode("utf-8", "surrogateescape")
    ctx_text = rest[n_imp + n_code:n_imp + n_code + n_ctx]
    context = None
    if ctx_text:
        import marshal
        context = marshal.loads(ctx_text)
    allowed = frozenset(x for x in imports.split(",") if x)
    guards = flags == b"g"
    scratch = posix.getcwd()

    import builtins
    user_builtins = dict(builtins.__dict__)
    if guards:
        _install_guards(builtins, user_builtins, allowed, scratch)
    sys.stdout.reconfigure(line_buffering=True)

    exit_code, etype, emsg = 0, "", ""
    try:
        compiled = builtins.compile(code, "<code>", "exec")
    except (SyntaxError, ValueError) as e:  # ValueError: NUL bytes in the source (3.11)
        exit_code, etype = 1, "SyntaxError"
        emsg = f"{e.msg} (line {e.lineno})" if isinstance(e, SyntaxError) else str(e)
        print(f"SyntaxError: {emsg}", file=sys.stderr)
    else:
        namespace = {"__name__": "__main__", "__builtins__": user_builtins, "context": context}
        try:
            builtins.exec(compiled, namespace)
        except SystemExit as e:
            c = e.code
            if c is None:
                exit_code = 0
            elif isinstance(c, int):
                exit_code = c & 0xFF
            else:
                exit_code = 1
                print(c, file=sys.stderr)
            if exit_code:
                etype, emsg = "SystemExit", str(c)
        except BaseException as e:  # noqa: BLE001 - report everything the code raised
            exit_code = 1
            t = type(e)
            mod = getattr(t, "__module__", "builtins")
            etype = t.__qualname__ if mod in ("builtins", "__main__") else f"{mod}.{t.__qualname__}"
            try:
                emsg = str(e)
            except BaseException:  # noqa: BLE001
                emsg = "<unprintable>"
            _print_traceback(e, code)
    try:
        sys.stdout.flush()
    except BaseException:  # noqa: BLE001
        pass
    try:
        sys.stderr.flush()
    except BaseException:  # noqa: BLE001
        pass
    msg = f"PYWARDEN1\x00{exit_code}\x00{etype}\x00{emsg}".replace("\x00\x00", "\x00 \x00")
    try:
        posix.write(3, msg.encode("utf-8", "replace")[:65536])
    except OSError:
        pass
    posix._exit(exit_code)


def _print_traceback(e, code):
    """Prints the traceback of the user's code, without the runner's own frames."""
    try:
        import linecache
        import traceback
        linecache.cache["<code>"] = (len(code), None, code.splitlines(True), "<code>")
        frames = [f for f in traceback.extract_tb(e.__traceback__) if f.filename != "<string>"]
        text = "".join(traceback.format_list(frames)) if frames else ""
        sys.stderr.write("Traceback (most recent call last):\n" + text
                         + "".join(traceback.format_exception_only(type(e), e)))
    except BaseException:  # noqa: BLE001 - e.g. MemoryError while formatting
        try:
            sys.stderr.write(f"{type(e).__name__}\n")
        except BaseException:  # noqa: BLE001
            pass


def _install_guards(builtins, user_builtins, allowed, scratch):
    real_import = builtins.__import__
    # __loader__ and __spec__ (the builtins module's importer) would load modules past the
    # import hook: `__loader__.load_module('os')`.
    for name in ("open", "eval", "exec", "compile", "breakpoint", "input", "help",
                 "__loader__", "__spec__"):
        user_builtins.pop(name, None)

    def guarded_import(name, globals=None, locals=None, fromlist=(), level=0):
        if level != 0:
            raise ImportError("pywarden: relative imports are not allowed")
        top = name.partition(".")[0]
        if top not in allowed:
            raise ImportError(f"pywarden: import of {top!r} is not allowed")
        return real_import(name, globals, locals, fromlist, level)

    user_builtins["__import__"] = guarded_import

    realpath, fsdecode = _path_functions()
    sep = "/"
    scratch_prefix = realpath(scratch) + sep
    read_roots = set()
    for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, *sys.path):
        if p:
            read_roots.add(realpath(p) + sep)
    read_roots = tuple(sorted(read_roots))
    write_flags = posix.O_WRONLY | posix.O_RDWR | posix.O_CREAT | posix.O_TRUNC | posix.O_APPEND
    blocked_prefixes = ("subprocess.", "os.exec", "os.spawn", "os.posix_spawn", "ctypes.",
                        "socket.", "pty.", "_posixsubprocess.")
    blocked = frozenset(("os.system", "os.fork", "os.forkpty", "os.kill", "os.killpg",
                         "os.putenv", "os.unsetenv", "resource.setrlimit",
                         "resource.prlimit", "signal.pthread_kill", "os.startfile", "webbrowser.open",
                         "urllib.Request", "http.client.connect", "ftplib.connect",
                         "smtplib.connect", "imaplib.open", "poplib.connect", "telnetlib.Telnet.open",
                         "winreg.OpenKey", "mmap.__new__"))

    # Builtins the hook uses, bound now: user code that reaches the real builtins module must
    # not be able to change what the hook calls (e.g. `builtins.isinstance = ...`).
    isinstance, any, str, int, Exception = (  # noqa: A001 - deliberate local rebinding
        builtins.isinstance, builtins.any, builtins.str, builtins.int, builtins.Exception)
    PermissionError = builtins.PermissionError  # noqa: A001

    def deny(what):
        raise PermissionError(f"pywarden: {what} is not allowed in the sandbox")

    def hook(event, args):
        if event == "open":
            path, mode, flags = args
            if path is None or isinstance(path, int):
                return
            try:
                p = realpath(fsdecode(path))
            except Exception:  # noqa: BLE001
                deny("open of this path")
            # `mode` and `flags` come from the interpreter (a new str and an int), not from
            # the caller's objects.
            writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                isinstance(flags, int) and flags & write_flags)
            if p == "/dev/null" or (p + sep).startswith(scratch_prefix):
                return
            if not writing and p.startswith(read_roots):
                return
            deny(f"open of {fsdecode(path)!r} outside the scratch directory")
        elif event in blocked or event.startswith(blocked_prefixes):
            deny(event)

    sys.addaudithook(hook)


def _path_functions():
    """`realpath` and `fsdecode` from built-in `posix` alone (see the header: importing `os`
    for os.path.realpath would cost more than the rest of the runner). The system calls are
    bound here, before any user code runs, so later changes to modules do not reach them."""
    lstat, readlink, getcwd, fspath = posix.lstat, posix.readlink, posix.getcwd, posix.fspath
    encoding, errors = sys.getfilesystemencoding(), sys.getfilesystemencodeerrors()
    _str, _bytes, _isinstance = str, bytes, isinstance

    def fsdecode(path):
        # Exact str/bytes methods on the value, never the (overridable) methods of a
        # subclass the caller passed.
        path = fspath(path)
        if _isinstance(path, _bytes):
            return _bytes.decode(path, encoding, errors)
        return _str.__str__(path)

    def realpath(path):
        """Like posixpath.realpath (non-strict): absolute, `.`/`..` and symbolic links
        resolved; a missing component ends resolution of links (the rest is kept as
        written); after 40 links (the kernel's ELOOP limit) the rest is kept as written."""
        if not path.startswith("/"):
            path = getcwd() + "/" + path
        todo = [c for c in reversed(path.split("/")) if c]
        parts = []
        links = 0
        while todo:
            name = todo.pop()
            if name == ".":
                continue
            if name == "..":
                if parts:
                    parts.pop()
                continue
            candidate = "/" + "/".join(parts + [name])
            try:
                is_link = (lstat(candidate).st_mode & 0o170000) == 0o120000
            except OSError:
                is_link = False
            if not is_link:
                parts.append(name)
                continue
            links += 1
            if links > 40:
                parts.append(name)
                parts.extend(reversed(todo))
                break
            target = readlink(candidate)
            if target.startswith("/"):
                parts = []
            todo.extend(c for c in reversed(target.split("/")) if c)
        return "/" + "/".join(parts)

    return realpath, fsdecode


_pywarden_main()
