//! The runner's in-interpreter guards (the second layer, on by default): restricted builtins,
//! the import allowlist on user-code imports, and the audit hook refusing opens outside scratch,
//! sockets, subprocesses and ctypes. Also the refusal to run on a kernel without full Landlock.

use pywarden::sandbox::local::{LocalBackend, LocalOptions};
use pywarden::sandbox::{Job, RunOutput, SandboxConfig, SandboxError, Termination};

/// Read as `crate::FORK_SERVER` by `sandbox_support` (see there): cold starts here.
#[allow(dead_code)]
const FORK_SERVER: bool = false;

#[path = "sandbox_support/mod.rs"]
mod sandbox_support;
use sandbox_support::options;

fn backend() -> &'static LocalBackend {
    static B: std::sync::OnceLock<LocalBackend> = std::sync::OnceLock::new();
    B.get_or_init(|| LocalBackend::new(options()).expect("local backend"))
}

fn run(code: &str, allowed: &[&str]) -> RunOutput {
    let config = SandboxConfig {
        allowed_imports: allowed.iter().map(|s| s.to_string()).collect(),
        ..SandboxConfig::default()
    };
    let job = Job {
        code: code.into(),
        context: None,
        config,
    };
    backend().run_blocking(&job).expect("run")
}

fn err(o: &RunOutput) -> &str {
    o.error_message.as_deref().unwrap_or("")
}

#[test]
fn dangerous_builtins_are_absent() {
    for name in [
        "open",
        "eval",
        "exec",
        "compile",
        "breakpoint",
        "input",
        "__loader__",
        "__spec__",
    ] {
        let o = run(name, &[]);
        assert_eq!(
            err(&o),
            format!("NameError: name '{name}' is not defined"),
            "{o:?}"
        );
    }
    // The importer behind `__loader__` cannot be reached to load a module past the hook.
    let o = run("m = __loader__.load_module('os')\nprint(m.getcwd())", &[]);
    assert_eq!(
        err(&o),
        "NameError: name '__loader__' is not defined",
        "{o:?}"
    );
    // Ordinary builtins stay.
    let o = run("print(sum(map(len, ['ab', 'c'])), sorted({3, 1}))", &[]);
    assert_eq!(o.stdout, "3 [1, 3]\n", "{o:?}");
}

#[test]
fn import_allowlist_applies_to_user_imports_only() {
    // json imports re internally: allowed, although user code may not import re itself.
    let o = run("import json\nprint(json.dumps({'a': 1}))", &["json"]);
    assert_eq!(o.stdout, "{\"a\": 1}\n", "{o:?}");
    let o = run("import re", &["json"]);
    assert_eq!(
        err(&o),
        "ImportError: pywarden: import of 're' is not allowed"
    );
    let o = run("from os import path", &["json"]);
    assert_eq!(
        err(&o),
        "ImportError: pywarden: import of 'os' is not allowed"
    );
    let o = run("import os.path", &["json"]);
    assert_eq!(
        err(&o),
        "ImportError: pywarden: import of 'os' is not allowed"
    );
    let o = run("__import__('subprocess')", &[]);
    assert_eq!(
        err(&o),
        "ImportError: pywarden: import of 'subprocess' is not allowed"
    );
    let o = run("from . import x", &["json"]);
    assert_eq!(
        err(&o),
        "ImportError: pywarden: relative imports are not allowed"
    );
}

#[test]
fn audit_hook_confines_open_to_scratch() {
    let o = run("import io\nprint(io.open('/etc/hostname').read())", &["io"]);
    assert!(
        err(&o).starts_with("PermissionError: pywarden: open of '/etc/hostname' outside"),
        "{o:?}"
    );
    let o = run(
        "import io\nio.open('/usr/lib/python3.11/os.py', 'a')",
        &["io"],
    );
    assert!(
        err(&o).starts_with("PermissionError: pywarden: open of"),
        "{o:?}"
    );
    // Reading the stdlib is fine, and so is writing inside scratch.
    let o = run(
        "import io\nwith io.open('notes.txt', 'w') as f:\n    f.write('hi')\nprint(io.open('notes.txt').read())",
        &["io"],
    );
    assert_eq!(o.stdout, "hi\n", "{o:?}");
}

/// Code that reaches the real builtins module (here through `len.__self__`, which the gate
/// denies but this test runs without the gate) cannot switch the hook off by replacing the
/// builtins it calls, and a path object cannot lie about itself through overridden methods.
#[test]
fn audit_hook_cannot_be_fooled_from_inside() {
    let o = run(
        "b = len.__self__\n\
         b.isinstance = lambda *a: True\n\
         b.any = lambda *a: False\n\
         import io\n\
         print(io.open('/etc/hostname').read())",
        &["io"],
    );
    assert!(
        err(&o).starts_with("PermissionError: pywarden: open of '/etc/hostname' outside"),
        "{o:?}"
    );
    let o = run(
        "class P(str):\n\
         \x20   def __str__(self): return 'notes.txt'\n\
         \x20   def startswith(self, *a): return False\n\
         \x20   def split(self, *a): return ['tmp']\n\
         \x20   def __fspath__(self): return 'notes.txt'\n\
         import io\n\
         print(io.open(P('/etc/hostname')).read())",
        &["io"],
    );
    assert!(
        err(&o).starts_with("PermissionError: pywarden: open of '/etc/hostname' outside"),
        "{o:?}"
    );
}

/// The runner resolves paths with its own `realpath` (built on `posix` alone, so it need not
/// import `os`); it must agree with `posixpath.realpath` — symbolic links relative and
/// absolute, `..` after a link, dangling links, loops, relative paths.
#[test]
fn runner_realpath_agrees_with_posixpath() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(dir.path()).unwrap();
    std::fs::create_dir_all(root.join("a/b")).unwrap();
    std::fs::create_dir_all(root.join("c")).unwrap();
    symlink("../c", root.join("a/lc")).unwrap();
    symlink(root.join("a/b"), root.join("abs")).unwrap();
    symlink("loop2", root.join("loop1")).unwrap();
    symlink("loop1", root.join("loop2")).unwrap();
    symlink("a/lc/../a", root.join("rel2")).unwrap();
    symlink("nowhere", root.join("dangling")).unwrap();
    symlink("abs/../lc", root.join("chain")).unwrap();
    let cases = [
        ".",
        "..",
        "/",
        "//",
        "a/lc",
        "a/lc/x",
        "a/lc/../b",
        "abs/../..",
        "loop1",
        "loop1/x",
        "rel2",
        "rel2/b",
        "dangling",
        "dangling/../a",
        "chain",
        "chain/../../c",
        "/etc/../etc",
        "x/../../..",
        "a/./b//c/",
        "/proc/self/cwd",
        "/usr/lib/python3.11",
    ];
    let runner = pywarden::sandbox::local::RUNNER
        .rsplit_once("\n_pywarden_main()")
        .expect("runner ends with its main call")
        .0;
    let script = format!(
        "{runner}\nimport posixpath, posix, sys\n\
         realpath, _ = _path_functions()\n\
         for c in sys.argv[1:]:\n\
         \x20   print(repr(c), realpath(c) == posixpath.realpath(c), realpath(c))\n"
    );
    let out = std::process::Command::new(&backend().interpreter().path)
        .args(["-I", "-S", "-c", &script])
        .args(cases)
        .current_dir(&root)
        .output()
        .expect("interpreter");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(text.lines().count(), cases.len(), "{text}");
    for line in text.lines() {
        assert!(line.contains(" True "), "differs from posixpath: {line}");
    }
}

#[test]
fn audit_hook_refuses_sockets_subprocesses_ctypes() {
    let o = run("import socket\nsocket.socket(socket.AF_UNIX)", &["socket"]);
    assert_eq!(
        err(&o),
        "PermissionError: pywarden: socket.__new__ is not allowed in the sandbox",
        "{o:?}"
    );
    let o = run(
        "import subprocess\nsubprocess.run(['true'])",
        &["subprocess"],
    );
    assert_eq!(
        err(&o),
        "PermissionError: pywarden: subprocess.Popen is not allowed in the sandbox",
        "{o:?}"
    );
    let o = run("import os\nos.system('true')", &["os"]);
    assert_eq!(
        err(&o),
        "PermissionError: pywarden: os.system is not allowed in the sandbox",
        "{o:?}"
    );
    let o = run("import ctypes\nctypes.CDLL(None)", &["ctypes"]);
    assert!(
        err(&o).starts_with("PermissionError: pywarden: ctypes."),
        "{o:?}"
    );
}

#[test]
fn refuses_to_run_without_full_landlock() {
    let opts = LocalOptions {
        simulate_landlock_abi: Some(3),
        ..options()
    };
    let b = LocalBackend::new(opts).expect("backend");
    assert!(!b.landlock_fully_enforced());
    let job = Job {
        code: "print('ran')".into(),
        context: None,
        config: SandboxConfig::default(),
    };
    match b.run_blocking(&job) {
        Err(SandboxError::Unavailable(msg)) => {
            assert!(msg.contains("refusing to run"), "{msg}");
            assert!(msg.contains("ABI 3"), "{msg}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    // Only an explicit opt-in runs it anyway.
    let weaker = Job {
        config: SandboxConfig {
            allow_weaker_sandbox: true,
            ..SandboxConfig::default()
        },
        ..job
    };
    let o = b.run_blocking(&weaker).expect("weaker run");
    assert_eq!(o.stdout, "ran\n");
    assert_eq!(o.termination, Some(Termination::Exited));
}

#[test]
fn real_kernel_probe_is_fully_enforced_here() {
    let b = backend();
    assert!(b.landlock_fully_enforced(), "{}", b.describe());
    assert!(b.describe().contains("fully enforced"), "{}", b.describe());
}
