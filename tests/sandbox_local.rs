//! Behaviour of the local backend on ordinary code: output, context, exceptions, limits, and
//! the distinct terminations the executor reports.

use std::time::Duration;

use pywarden::sandbox::local::{LocalBackend, LocalOptions};
use pywarden::sandbox::{Job, RunOutput, SandboxConfig, Termination};

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

fn run_with(
    code: &str,
    ctx: Option<serde_json::Value>,
    f: impl FnOnce(&mut SandboxConfig),
) -> RunOutput {
    let mut config = SandboxConfig::default();
    f(&mut config);
    let job = Job {
        code: code.into(),
        context: ctx,
        config,
    };
    backend().run_blocking(&job).expect("run")
}

fn run(code: &str) -> RunOutput {
    run_with(code, None, |_| {})
}

#[test]
fn prints_and_exits_zero() {
    let o = run("print('Hello, World!')");
    assert_eq!(o.stdout, "Hello, World!\n", "{o:?}");
    assert_eq!(o.termination, Some(Termination::Exited));
    assert_eq!(o.exit_code, Some(0));
    assert_eq!(o.error_message, None);
    assert!(o.max_rss_kb > 1000, "{o:?}");
}

#[test]
fn context_is_bound_as_data() {
    let ctx = serde_json::json!({"x": 21, "s": "'); import os; ('"});
    let o = run_with("print(context['x'] * 2, context['s'])", Some(ctx), |_| {});
    assert_eq!(o.stdout, "42 '); import os; ('\n", "{o:?}");
}

/// The context reaches the code as the very objects `json.loads` of its JSON text would give
/// (it travels as `marshal` data so the runner need not import `json`): checked against the
/// same interpreter's `json.loads`, types included, on values at every edge of the encoding.
#[test]
fn context_equals_json_loads_of_the_same_value() {
    let ctx = serde_json::json!({
        "none": null, "t": true, "f": false,
        "ints": [0, 1, -1, 2147483647, 2147483648u64, -2147483648i64, -2147483649i64,
                 32767, 32768, 1073741823, 1073741824, 9223372036854775807i64,
                 -9223372036854775808i64, 18446744073709551615u64],
        "floats": [0.0, -0.0, 1.5, -2.25e-300, 1e300, 1.0, 123456789012345678901234567890.0],
        "strings": ["", "ascii", "é ü 中文 🎉", "quote ' \" \\ nul \u{0} nl \n", "\u{2028}"],
        "nested": {"a": [[], {}, [[[1]]]], "": {"k": "v"}},
        "order": {"z": 1, "a": 2, "m": 3}
    });
    let code = "import json\n\
        def tr(v):\n\
        \x20   if isinstance(v, dict):\n\
        \x20       return ['dict', [(k, tr(x)) for k, x in v.items()]]\n\
        \x20   if isinstance(v, list):\n\
        \x20       return ['list', [tr(x) for x in v]]\n\
        \x20   return [type(v).__name__, repr(v)]\n";
    let o = run_with(
        &format!("{code}print(repr(tr(context)))"),
        Some(ctx.clone()),
        |c| c.allowed_imports.push("json".into()),
    );
    assert_eq!(o.exit_code, Some(0), "{o:?}");
    let mut py = std::process::Command::new(&backend().interpreter().path)
        .args(["-I", "-S", "-c"])
        .arg(format!(
            "{code}import sys\nprint(repr(tr(json.loads(sys.stdin.read()))))"
        ))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("interpreter");
    use std::io::Write;
    py.stdin
        .take()
        .unwrap()
        .write_all(ctx.to_string().as_bytes())
        .unwrap();
    let expected = py.wait_with_output().expect("interpreter output");
    assert!(expected.status.success());
    assert_eq!(o.stdout, String::from_utf8(expected.stdout).unwrap());
    assert!(
        o.stdout.contains("['int', '18446744073709551615']"),
        "{}",
        o.stdout
    );
}

/// Nesting up to the documented depth works; deeper is a clear configuration error, not a
/// crash in the interpreter.
#[test]
fn context_depth_is_bounded() {
    let nest = |depth: usize| {
        let mut v = serde_json::json!(7);
        for _ in 0..depth {
            v = serde_json::Value::Array(vec![v]);
        }
        v
    };
    let walk = "c, n = context, 0\nwhile isinstance(c, list):\n    c, n = c[0], n + 1\nprint(n, c)";
    let max = pywarden::sandbox::local::MAX_CONTEXT_DEPTH;
    let o = run_with(walk, Some(nest(max)), |_| {});
    assert_eq!(o.stdout, format!("{max} 7\n"), "{o:?}");
    let job = Job {
        code: walk.into(),
        context: Some(nest(max + 1)),
        config: SandboxConfig::default(),
    };
    let e = backend().run_blocking(&job).expect_err("too deep");
    assert!(e.to_string().contains("nested deeper than"), "{e}");
}

#[test]
fn runner_is_precompiled_unless_switched_off() {
    assert!(backend().runner_precompiled());
    let b = LocalBackend::new(LocalOptions {
        precompile_runner: false,
        ..options()
    })
    .expect("backend");
    assert!(!b.runner_precompiled());
    let job = Job {
        code: "print(2 + 2)\n1/0".into(),
        context: None,
        config: SandboxConfig::default(),
    };
    let o = b.run_blocking(&job).expect("run");
    assert_eq!(o.stdout, "4\n");
    assert_eq!(
        o.error_message.as_deref(),
        Some("ZeroDivisionError: division by zero")
    );
    assert!(
        !o.stderr.contains("<string>"),
        "runner frames in the traceback: {}",
        o.stderr
    );
}

#[test]
fn exception_type_and_message() {
    let o = run("x = 1\nprint('before')\n1/0");
    assert_eq!(
        o.error_message.as_deref(),
        Some("ZeroDivisionError: division by zero")
    );
    assert_eq!(o.exit_code, Some(1));
    assert_eq!(o.termination, Some(Termination::Exited));
    assert_eq!(o.stdout, "before\n");
    assert!(o.stderr.contains("line 3"), "{}", o.stderr);
    assert!(
        !o.stderr.contains("<string>"),
        "runner frames in the traceback: {}",
        o.stderr
    );
}

#[test]
fn syntax_error_is_distinct() {
    let o = run("def f(:\n  pass");
    assert_eq!(o.termination, Some(Termination::SyntaxError), "{o:?}");
    assert!(
        o.error_message
            .as_deref()
            .unwrap_or("")
            .starts_with("SyntaxError"),
        "{o:?}"
    );
}

#[test]
fn system_exit_code() {
    let o = run("raise SystemExit(3)");
    assert_eq!(o.exit_code, Some(3));
    assert_eq!(o.termination, Some(Termination::Exited));
    let o = run("raise SystemExit(0)");
    assert_eq!(o.exit_code, Some(0));
    assert_eq!(o.error_message, None);
}

#[test]
fn wall_clock_timeout() {
    let o = run_with(
        "import time\nprint('go', flush=True)\ntime.sleep(30)",
        None,
        |c| {
            c.timeout = Duration::from_millis(500);
            c.allowed_imports = vec!["time".into()];
        },
    );
    assert_eq!(o.termination, Some(Termination::Timeout), "{o:?}");
    assert!(o.execution_time_seconds < 2.0, "{o:?}");
    assert_eq!(o.stdout, "go\n");
}

#[test]
fn memory_limit_is_memory() {
    let o = run_with("x = bytearray(400 * 1024 * 1024)", None, |c| {
        c.max_memory_mb = 128
    });
    assert_eq!(o.termination, Some(Termination::Memory), "{o:?}");
    assert_eq!(o.error_message.as_deref(), Some("MemoryError"));
}

#[test]
fn output_cap_truncates() {
    let o = run_with("while True:\n    print('x' * 1000)", None, |c| {
        c.max_output_bytes = 10_000
    });
    assert_eq!(o.termination, Some(Termination::OutputLimit), "{o:?}");
    assert!(o.truncated);
    assert!(
        o.stdout.len() <= 10_000 && o.stdout.len() > 5_000,
        "{}",
        o.stdout.len()
    );
}

#[test]
fn runtime_import_guard() {
    let o = run_with("import math\nprint(math.sqrt(16))", None, |c| {
        c.allowed_imports = vec!["math".into()]
    });
    assert_eq!(o.stdout, "4.0\n", "{o:?}");
    let o = run_with("import os\nprint(os.getcwd())", None, |c| {
        c.allowed_imports = vec!["math".into()]
    });
    assert_eq!(
        o.error_message.as_deref(),
        Some("ImportError: pywarden: import of 'os' is not allowed"),
        "{o:?}"
    );
    assert_eq!(o.stdout, "");
}

#[test]
fn interpreter_layout_matches_what_the_interpreter_reports() {
    use pywarden::sandbox::local::interpreter;
    let p = std::path::Path::new("/usr/bin/python3.11");
    let fast = interpreter::probe(p).expect("layout");
    let slow = interpreter::probe_by_running(&fast.path).expect("probe");
    assert_eq!(fast.version, slow.version);
    assert_eq!(fast.read_trees.len(), 1);
    for t in &slow.read_trees {
        assert!(
            t.starts_with(&fast.read_trees[0]),
            "{t:?} outside {:?}",
            fast.read_trees
        );
    }
    let loader = fast.elf_loader.expect("PT_INTERP");
    assert!(loader.to_string_lossy().contains("ld-linux"), "{loader:?}");
    // Not an ELF file: no loader; not Python: refused.
    assert_eq!(
        interpreter::elf_interp(std::path::Path::new("/etc/passwd")),
        None
    );
    assert!(interpreter::probe(std::path::Path::new("/bin/true")).is_err());
}

#[test]
fn pyenv_interpreter_without_uid_switch() {
    use pywarden::sandbox::local::RunAs;
    let pyenv = std::path::Path::new("/root/.pyenv/versions/3.11.7/bin/python3");
    // SAFETY: geteuid cannot fail.
    if unsafe { libc::geteuid() } != 0 || !pyenv.exists() {
        return; // only on machines like these (root, pyenv in root's home)
    }
    let opts = LocalOptions {
        interpreter: Some(pyenv.into()),
        run_as: RunAs::Current,
        ..options()
    };
    let b = LocalBackend::new(opts).expect("backend");
    assert!(b.describe().contains("no switch"), "{}", b.describe());
    let job = Job {
        code: "import json, os\nprint(json.dumps([os.getuid(), len(os.listdir('.'))]))".into(),
        context: None,
        config: SandboxConfig {
            runtime_guards: false,
            ..SandboxConfig::default()
        },
    };
    let o = b.run_blocking(&job).expect("run");
    assert_eq!(o.stdout, "[0, 0]\n", "{o:?}");
    // uid 0 without capabilities: root's home stays closed.
    let job = Job {
        code: "import os\nos.listdir('/root')".into(),
        ..job
    };
    let o = b.run_blocking(&job).expect("run");
    assert!(
        o.error_message
            .as_deref()
            .unwrap_or("")
            .starts_with("PermissionError"),
        "{o:?}"
    );
}

#[test]
fn nul_bytes_and_tiny_memory_limits_are_clear_errors() {
    let o = run("print(1)\0");
    assert_eq!(o.termination, Some(Termination::SyntaxError), "{o:?}");
    assert!(!o.stderr.contains("<string>"), "{}", o.stderr);
    let job = Job {
        code: "print(1)".into(),
        context: None,
        config: SandboxConfig {
            max_memory_mb: 1,
            ..SandboxConfig::default()
        },
    };
    match backend().run_blocking(&job) {
        Err(pywarden::sandbox::SandboxError::Config(m)) => {
            assert!(m.contains("at least 32 MiB"), "{m}")
        }
        other => panic!("expected a configuration error, got {other:?}"),
    }
}

/// As root, the interpreter runs as uid/gid 65534 with no supplementary groups, while this
/// process keeps its own ids (the switch happens in the child only, by raw system calls).
#[test]
fn interpreter_runs_unprivileged_and_the_parent_keeps_its_ids() {
    // SAFETY: plain id queries.
    let (uid, gid) = unsafe { (libc::geteuid(), libc::getegid()) };
    let o = run_with(
        "import os\nprint(os.getresuid(), os.getresgid(), os.getgroups())",
        None,
        |c| c.allowed_imports.push("os".into()),
    );
    if uid == 0 {
        assert_eq!(
            o.stdout, "(65534, 65534, 65534) (65534, 65534, 65534) []\n",
            "{o:?}"
        );
    } else {
        let ids = format!("({uid}, {uid}, {uid}) ({gid}, {gid}, {gid}) ");
        assert!(o.stdout.starts_with(&ids), "{o:?}");
    }
    // SAFETY: plain id queries.
    assert_eq!(unsafe { (libc::geteuid(), libc::getegid()) }, (uid, gid));
}

/// Every run's scratch directory is gone when the run returns: an untouched one, one with
/// files and nested directories, and one the code made hard to delete (a directory without
/// permissions, holding a file).
#[test]
fn scratch_directories_are_removed_after_each_run() {
    let parent = tempfile::tempdir().unwrap();
    let b = LocalBackend::new(LocalOptions {
        scratch_parent: Some(parent.path().to_path_buf()),
        pool_size: 0,
        ..options()
    })
    .expect("local backend");
    let codes = [
        "print('nothing written')",
        "import posix\nposix.mkdir('a')\nposix.mkdir('a/b')\nopen('a/b/f', 'w').write('x')\nopen('g', 'w').write('y')\nprint('written')",
        "import posix\nposix.mkdir('locked')\nopen('locked/f', 'w').write('x')\nposix.chmod('locked', 0)\nprint('locked')",
    ];
    for code in codes {
        let job = Job {
            code: code.into(),
            context: None,
            // The code stands for code that got past the gate and its import guard (Landlock
            // still confines it to the scratch directory).
            config: SandboxConfig {
                runtime_guards: false,
                ..SandboxConfig::default()
            },
        };
        let o = b.run_blocking(&job).expect("run");
        assert_eq!(o.exit_code, Some(0), "{o:?}");
        // The fork server's root directory (holding the runs' scratch directories) lives as
        // long as the backend; what must be gone is every run's own directory.
        let mut left = Vec::new();
        for e in std::fs::read_dir(parent.path()).unwrap().flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with("pywarden-forkserver-") {
                left.extend(
                    std::fs::read_dir(e.path())
                        .unwrap()
                        .flatten()
                        .map(|e| e.path()),
                );
            } else {
                left.push(e.path());
            }
        }
        assert!(left.is_empty(), "after {code:?}: {left:?}");
    }
}
