//! Differential test of the static gate against the runtime (issue 7): every adversarial case
//! of `corpus/escapes/` is run in the local sandbox with the static gate OFF
//! ([`CodeExecutor::analysis`]`(false)`, a library switch the HTTP API never sets), twice:
//! with the runner's runtime guards on, and with them off (kernel layers alone). Each run is
//! classified by the layer that stopped it — runtime guard (a `pywarden:` guard message or a
//! builtin the guards removed), Landlock (`EACCES` on a path), seccomp (`EPERM` on a system
//! call), limits (wall clock / CPU, memory, output cap, file size) — or NOTHING when the
//! payload achieved its effect. The gate stops every case by construction (checked here too,
//! and by `tests/corpus.rs`).
//!
//! The oracle for "achieved its effect" is, by default, "the code ran to completion without
//! an exception"; a case may state a sharper one in an optional header line
//! `# effect: stdout <marker>` (achieved iff stdout contains the marker), e.g. `uid=` for a
//! payload that runs `id`.
//!
//! A case whose guarded run achieves its effect is stopped ONLY by the static gate: that is a
//! finding, and it must be listed in [`GATE_ONLY`] with the reason (the test fails on an
//! unlisted one, and on a listed one that another layer now stops, so the list stays true).
//!
//! The same runs produce `docs/security-layers.md` (one row per case, the containment suite's
//! payloads, a per-family summary); the test fails with "run scripts/layer-table" when the
//! committed file differs from what the runs show, and `scripts/layer-table` rewrites it
//! (`PYWARDEN_WRITE_LAYER_TABLE=1`). Bombs run under the same outer guard as
//! `tests/sandbox_containment.rs`: each run in its own pids cgroup with a small `pids.max`,
//! and a wall-clock limit on every run.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use pywarden::executor::{CodeExecutor, ExecutionResult, Pipeline};
use pywarden::sandbox::local::{LocalBackend, LocalOptions};
use pywarden::sandbox::{SandboxConfig, Termination};

const PIDS_ROOT: &str = "/sys/fs/cgroup/pids";
const TABLE: &str = "docs/security-layers.md";
const WRITE_ENV: &str = "PYWARDEN_WRITE_LAYER_TABLE";

/// Cases that only the static gate stops (their guarded run achieves its effect), with why
/// that is acceptable or what it would take to stop them at runtime. Each entry is a finding.
const GATE_ONLY: &[(&str, &str)] = &[
    ("bidi_isolate_comment.py", DECEPTION),
    ("bidi_rlo.py", DECEPTION),
    ("builtins_closure.py", INTROSPECTION),
    ("builtins_globals_func.py", INTROSPECTION),
    ("builtins_init_globals.py", INTROSPECTION),
    ("builtins_method_self.py", BUILTIN_RECOVERY),
    ("class_swap.py", OWN_PROCESS),
    ("code_co_code.py", INTROSPECTION),
    ("code_replace.py", CODE_OBJECTS),
    ("code_swap.py", OWN_PROCESS),
    ("collections_sys.py", MODULE_REACH),
    ("cyclomatic_monster.py", ANALYZER_COST),
    ("dataclasses_builtins.py", BUILTIN_RECOVERY),
    ("defaults_store.py", OWN_PROCESS),
    ("dict_mro.py", INTROSPECTION),
    ("encoding_latin1.py", DECEPTION),
    ("encoding_second_line.py", DECEPTION),
    ("encoding_utf7.py", DECEPTION),
    ("enum_sys_alias.py", MODULE_REACH),
    ("format_class_globals.py", INTROSPECTION),
    ("format_keyword_dunder.py", INTROSPECTION),
    ("format_map_class.py", INTROSPECTION),
    ("frame_async_gen.py", INTROSPECTION),
    ("frame_coroutine.py", INTROSPECTION),
    ("frame_f_globals.py", INTROSPECTION),
    ("frame_gi_frame.py", INTROSPECTION),
    ("frame_traceback.py", INTROSPECTION),
    ("getattr_chr_join.py", INTROSPECTION),
    ("getattr_format_name.py", INTROSPECTION),
    ("getattr_reversed.py", INTROSPECTION),
    ("getattr_variable.py", INTROSPECTION),
    ("getattribute_patch.py", OWN_PROCESS),
    ("globals_builtins.py", INTROSPECTION),
    ("globals_write.py", OWN_PROCESS),
    ("huge_string_literal.py", ANALYZER_COST),
    ("locals_call.py", INTROSPECTION),
    ("memoryview_call.py", HARMLESS),
    ("method_func.py", INTROSPECTION),
    ("obf_chr_eval.py", HARMLESS),
    ("obf_concat_system.py", HARMLESS),
    ("obf_literal_globals.py", INTROSPECTION),
    ("obf_percent_format.py", HARMLESS),
    ("object_getattribute.py", INTROSPECTION),
    (
        "random_alias_os.py",
        "reaches `os` as `random._os` (past the import hook) and prints `os.environ`, which is \
         the sandbox's cleared environment (HOME, LANG, TMPDIR); os calls stay audited.",
    ),
    ("setattr_computed.py", OWN_PROCESS),
    ("subclass_walk_bases.py", INTROSPECTION),
    ("subclass_walk_in_class.py", INTROSPECTION),
    ("subclass_walk_lambda.py", INTROSPECTION),
    ("subclass_walk_mro.py", INTROSPECTION),
    ("subclass_walk_tuple.py", INTROSPECTION),
    ("subclass_walk_type_call.py", INTROSPECTION),
    ("typing_sys_from.py", MODULE_REACH),
    ("unicode_dunder_attr.py", INTROSPECTION),
    ("vars_module.py", INTROSPECTION),
    ("zero_width_space.py", DECEPTION),
];

const INTROSPECTION: &str = "introspection (subclasses, frames, globals, closures, code \
    attributes): CPython has no runtime switch that forbids reading its own objects, so only the \
    gate stops the walk; what the walk could reach (os, open, subprocess) is still audited by the \
    guard and held by Landlock and seccomp.";
const BUILTIN_RECOVERY: &str = "recovers a builtin the guards removed (`exec`, `open`) through a \
    module attribute or `__self__`: removing builtins is a speed bump, not a boundary. Code run \
    that way is still audited and held by Landlock and seccomp.";
const MODULE_REACH: &str = "reaches `sys` through another module's attribute, past the import \
    hook; reading `sys.modules`/`sys.path` grants nothing the audit hook and the kernel layers do \
    not check.";
const OWN_PROCESS: &str = "tampers with classes, functions or namespaces of the run's own \
    process; it can only change (or break) that run.";
const CODE_OBJECTS: &str = "rewrites a code object in the run's own process: crafted bytecode \
    could at worst crash that sandboxed interpreter.";
const DECEPTION: &str = "a source-level deception aimed at a human reviewer (bidi controls, \
    invisible characters, encoding cookies); at runtime the code does what CPython parses, \
    which is harmless here.";
const ANALYZER_COST: &str = "a review- or analyzer-cost concern (size, branch count); the code \
    itself is harmless and bounded by the limits.";
const HARMLESS: &str = "builds a suspicious value (a name, a view, a loader) without using it: \
    nothing happens at runtime that a layer should stop.";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn euid() -> u32 {
    // SAFETY: geteuid cannot fail.
    unsafe { libc::geteuid() }
}

/// A pids cgroup for this test's runs (each run gets a child cgroup in it), removed on drop.
struct TestCgroup(PathBuf);

impl TestCgroup {
    fn new() -> Option<Self> {
        if euid() != 0 || !Path::new(PIDS_ROOT).join("cgroup.procs").exists() {
            return None;
        }
        let path = Path::new(PIDS_ROOT).join(format!("pywarden-gvr-{}", std::process::id()));
        std::fs::create_dir(&path).ok()?;
        std::fs::write(path.join("pids.max"), "256").ok()?;
        Some(Self(path))
    }
}

impl Drop for TestCgroup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir(&self.0);
    }
}

/// What a case's payload is after.
#[derive(Debug, Clone, PartialEq)]
enum Effect {
    /// Ran to completion without an exception (the default).
    Completes,
    /// stdout contains this marker.
    Stdout(String),
}

struct Case {
    file: String,
    family: String,
    effect: Effect,
    code: String,
}

fn cases() -> Vec<Case> {
    let dir = root().join("corpus/escapes");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("corpus/escapes")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "py"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let code = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
            let field = |key: &str| {
                code.lines()
                    .take(8)
                    .find_map(|l| l.strip_prefix(&format!("# {key}: ")))
                    .map(|v| v.trim().to_string())
            };
            let effect = match field("effect") {
                None => Effect::Completes,
                Some(v) => match v.split_once(' ') {
                    Some(("stdout", m)) if !m.trim().is_empty() => {
                        Effect::Stdout(m.trim().to_string())
                    }
                    _ => panic!("{}: bad '# effect: {v}' header", path.display()),
                },
            };
            Case {
                file: path.file_name().unwrap().to_string_lossy().into_owned(),
                family: field("family").unwrap_or_else(|| "?".into()),
                effect,
                code,
            }
        })
        .collect()
}

/// The layer that stopped a run (or that nothing did).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Layer {
    Guard,
    Landlock,
    Seccomp,
    Limits,
    /// The payload failed for a reason that is no sandbox layer (a missing module, a bad
    /// argument, CPython's own parser): not achieved, not contained by us either.
    Other,
    Nothing,
}

impl Layer {
    fn label(self) -> &'static str {
        match self {
            Layer::Guard => "runtime guard",
            Layer::Landlock => "Landlock",
            Layer::Seccomp => "seccomp",
            Layer::Limits => "limits",
            Layer::Other => "failed otherwise",
            Layer::Nothing => "NOTHING",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Observation {
    layer: Layer,
    /// Short, stable detail (no paths, pids or timings).
    detail: String,
}

/// Builtins the runtime guards remove from the user's namespace (see runner.py).
const REMOVED_BUILTINS: &[&str] = &[
    "open",
    "eval",
    "exec",
    "compile",
    "breakpoint",
    "input",
    "help",
    "__loader__",
    "__spec__",
];

/// The exception type of an `ExceptionType: message` error line.
fn exception_type(msg: &str) -> &str {
    msg.split(':').next().unwrap_or("").trim()
}

/// Classifies one run; `guards` says whether the runtime guards were installed (only then can
/// a guard message or a removed builtin be theirs).
fn classify(out: &ExecutionResult, effect: &Effect, guards: bool) -> Observation {
    let obs = |layer, detail: &str| Observation {
        layer,
        detail: detail.to_string(),
    };
    let clean_exit = out.termination == Termination::Exited
        && out.exit_code == Some(0)
        && out.error_message.is_none();
    let achieved = match effect {
        Effect::Completes => clean_exit,
        Effect::Stdout(m) => out.stdout.contains(m.as_str()),
    };
    if achieved {
        return obs(Layer::Nothing, "effect achieved");
    }
    match out.termination {
        Termination::Timeout => return obs(Layer::Limits, "wall-clock/CPU limit"),
        Termination::Memory => return obs(Layer::Limits, "memory limit (MemoryError)"),
        Termination::OutputLimit => return obs(Layer::Limits, "output cap"),
        Termination::SyntaxError => return obs(Layer::Other, "CPython rejects the source"),
        Termination::Signal => return obs(Layer::Limits, "killed by a signal"),
        _ => {}
    }
    let err = out.error_message.clone().unwrap_or_default();
    let text = format!("{err}\n{}", out.stderr);
    if let Some(i) = text.find("pywarden: ").filter(|_| guards) {
        let rest = &text[i + "pywarden: ".len()..];
        let line = rest.lines().next().unwrap_or("").trim();
        return obs(Layer::Guard, line);
    }
    for name in REMOVED_BUILTINS.iter().filter(|_| guards) {
        if text.contains(&format!("NameError: name '{name}' is not defined")) {
            return obs(Layer::Guard, &format!("builtin `{name}` removed"));
        }
    }
    let etype = exception_type(&err);
    if text.contains("[Errno 13]") {
        return obs(Layer::Landlock, &format!("{etype} EACCES"));
    }
    if text.contains("[Errno 1]") {
        return obs(Layer::Seccomp, &format!("{etype} EPERM"));
    }
    if text.contains("[Errno 27]") {
        return obs(Layer::Limits, "file-size limit (EFBIG)");
    }
    if text.contains("[Errno 24]") {
        return obs(Layer::Limits, "open-files limit (EMFILE)");
    }
    if clean_exit {
        // e.g. `os.system` returns -1 when seccomp denies its fork, without raising.
        return obs(
            Layer::Other,
            "completed without the effect (a call failed silently)",
        );
    }
    obs(
        Layer::Other,
        if etype.is_empty() {
            "exited with an error"
        } else {
            etype
        },
    )
}

struct Row {
    file: String,
    family: String,
    gate_denies: bool,
    guarded: Observation,
    kernel: Observation,
}

/// Runs every case with the gate off, guards on and off; `None` when the outer guard (a pids
/// cgroup, root only) is unavailable.
fn run_all(cases: &[Case]) -> Option<Vec<Row>> {
    let cgroup = TestCgroup::new()?;
    let opts = LocalOptions {
        pids_cgroup: Some(cgroup.0.clone()),
        max_pids: 16,
        max_file_bytes: 1024 * 1024,
        ..LocalOptions::default()
    };
    let backend = LocalBackend::new(opts).expect("local backend");
    assert!(backend.landlock_fully_enforced(), "{}", backend.describe());
    let pipeline = Pipeline::with_backend(Arc::new(backend)).expect("pipeline");
    let executor = |guards: bool| {
        CodeExecutor::with_pipeline("gate-vs-runtime", pipeline.clone())
            .with_config(SandboxConfig {
                timeout: Duration::from_secs(3),
                max_memory_mb: 256,
                max_output_bytes: 200_000,
                runtime_guards: guards,
                ..SandboxConfig::default()
            })
            .analysis(false)
            .redaction(false)
    };
    let (guarded, kernel) = (executor(true), executor(false));
    let next = AtomicUsize::new(0);
    let rows: Vec<std::sync::Mutex<Option<Row>>> =
        cases.iter().map(|_| std::sync::Mutex::new(None)).collect();
    std::thread::scope(|s| {
        for _ in 0..3 {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(case) = cases.get(i) else { break };
                    let gate = pipeline.checker.check_code(&case.code, &[]);
                    let run = |e: &CodeExecutor| {
                        let out = e.execute(&case.code, None).expect("execute");
                        classify(&out, &case.effect, e.config.runtime_guards)
                    };
                    *rows[i].lock().unwrap() = Some(Row {
                        file: case.file.clone(),
                        family: case.family.clone(),
                        gate_denies: !gate.allowed,
                        guarded: run(&guarded),
                        kernel: run(&kernel),
                    });
                }
            });
        }
    });
    Some(
        rows.into_iter()
            .map(|r| r.into_inner().unwrap().expect("every case ran"))
            .collect(),
    )
}

/// The containment suite's payloads (tests/sandbox_containment.rs, gate and guards off):
/// what each tries and which kernel layer that suite asserts stops it.
const CONTAINMENT: &[(&str, &str, &str)] = &[
    (
        "canary_read",
        "read a file outside the sandbox",
        "Landlock (EACCES)",
    ),
    (
        "list_root",
        "list `/`, `/root`, `/home`",
        "Landlock (EACCES)",
    ),
    (
        "environment",
        "read the environment, `/proc/*/environ`",
        "cleared environment; Landlock (EACCES)",
    ),
    (
        "tcp",
        "TCP connect to a loopback listener",
        "seccomp (EPERM on `socket(AF_INET)`); Landlock TCP rules behind it",
    ),
    (
        "udp",
        "UDP sendto over IPv4 and IPv6",
        "seccomp (EPERM on `socket`)",
    ),
    (
        "abstract_unix",
        "connect to an abstract Unix socket",
        "Landlock scope (EPERM)",
    ),
    (
        "fork_bomb",
        "`os.fork()` in a loop",
        "seccomp (EPERM on `fork`/`clone`); pids cgroup behind it",
    ),
    (
        "thread_bomb",
        "start threads until something breaks",
        "limits (RLIMIT_AS/STACK: RuntimeError)",
    ),
    (
        "memory_bomb",
        "allocate without bound",
        "limits (RLIMIT_AS: MemoryError)",
    ),
    (
        "cpu_loop",
        "`while True: pass`",
        "limits (wall clock / RLIMIT_CPU)",
    ),
    (
        "output_flood",
        "write to stdout without bound",
        "limits (output cap: killed, truncated)",
    ),
    (
        "huge_file",
        "write a 100 MiB file in scratch",
        "limits (RLIMIT_FSIZE: EFBIG)",
    ),
    (
        "write_outside",
        "write or append outside scratch",
        "Landlock (EACCES)",
    ),
    (
        "links",
        "symlink / hardlink to a file outside",
        "Landlock (EACCES / EXDEV)",
    ),
    (
        "kill_parent",
        "signal the server and init",
        "Landlock signal scope, uid switch (EPERM)",
    ),
    (
        "spawn_shell",
        "subprocess, `os.system`, `os.execv`",
        "seccomp (EPERM on fork); Landlock (EACCES on exec)",
    ),
    (
        "proc_environ",
        "read `/proc/1/*`, `/proc/self/status`",
        "Landlock (EACCES)",
    ),
    (
        "raise_rlimits",
        "raise hard rlimits back",
        "no capabilities (EPERM/ValueError)",
    ),
    (
        "setsid",
        "fork a grandchild that calls `setsid`",
        "seccomp (EPERM on fork); pids cgroup reaps",
    ),
    (
        "ctypes",
        "raw syscalls via ctypes (socket, bpf, ptrace, io_uring, ...)",
        "seccomp (EPERM)",
    ),
    (
        "unshare",
        "`unshare` of user/net/mount namespaces",
        "seccomp (EPERM)",
    ),
];

fn mark(yes: bool) -> &'static str {
    if yes { "✔" } else { "" }
}

fn cell(o: &Observation) -> String {
    format!("{}: {}", o.layer.label(), o.detail.replace('|', "\\|"))
}

fn render(rows: &[Row]) -> String {
    let mut s = String::new();
    s.push_str(
        "# Which layer stops which escape\n\n\
         Generated by `scripts/layer-table` from the runs of `tests/gate_vs_runtime.rs`; do not \
         edit by hand (the test fails when this file differs from what the runs show).\n\n\
         Every adversarial case of `corpus/escapes/` is denied by the static gate. Here each one \
         is also run in the local sandbox with the gate **off**: once with the runner's runtime \
         guards on (import hook, removed builtins, audit hook) and once with them off, so the \
         kernel layers hold alone. A mark means that layer stopped one of the two runs: \
         *runtime guard* (a `pywarden:` guard error or a removed builtin), *Landlock* (`EACCES`), \
         *seccomp* (`EPERM` on a system call), *limits* (wall clock / CPU, memory, output cap, \
         file size). NOTHING means the payload achieved its effect (by default: it ran to \
         completion; a case may name a sharper oracle in a `# effect:` header). \
         *failed otherwise* means it failed for a reason that is no sandbox layer (e.g. a \
         module that is not installed).\n\n\
         A case whose guarded run shows NOTHING is stopped only by the static gate; each is \
         listed with its reason in `GATE_ONLY` in `tests/gate_vs_runtime.rs`.\n\n",
    );
    s.push_str("## Corpus cases\n\n");
    s.push_str(
        "| case | family | gate | runtime guard | Landlock | seccomp | limits | guards on (gate off) | kernel layers alone |\n\
         |---|---|---|---|---|---|---|---|---|\n",
    );
    for r in rows {
        let any = |l: Layer| r.guarded.layer == l || r.kernel.layer == l;
        s.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            r.file,
            r.family,
            mark(r.gate_denies),
            mark(any(Layer::Guard)),
            mark(any(Layer::Landlock)),
            mark(any(Layer::Seccomp)),
            mark(any(Layer::Limits)),
            cell(&r.guarded),
            cell(&r.kernel),
        ));
    }
    s.push_str(
        "\n## Stopped only by the static gate\n\n\
         Cases whose guarded run achieved its effect, with the reason recorded in `GATE_ONLY`.\n\n\
         | case | why only the gate stops it |\n|---|---|\n",
    );
    for r in rows.iter().filter(|r| r.guarded.layer == Layer::Nothing) {
        let why = GATE_ONLY
            .iter()
            .find(|(f, _)| *f == r.file)
            .map_or("(not listed)", |(_, why)| why);
        let why = why.split_whitespace().collect::<Vec<_>>().join(" ");
        s.push_str(&format!("| {} | {} |\n", r.file, why.replace('|', "\\|")));
    }
    s.push_str(
        "\n## Containment suite payloads\n\n\
         `tests/sandbox_containment.rs` runs these with the gate and the runtime guards off and \
         asserts the exact observation of each (e.g. `denied 13`); the layer below is the one \
         its assertion pins down.\n\n\
         | payload | what it tries | stopped by |\n|---|---|---|\n",
    );
    for (name, what, by) in CONTAINMENT {
        s.push_str(&format!("| {name} | {what} | {by} |\n"));
    }
    s.push_str(
        "\n## Per family\n\n\
         Counts of cases; *guards on* columns count the first layer that stopped the guarded \
         run, *kernel alone* the run without guards.\n\n\
         | family | cases | gate | guards on: guard | guards on: kernel layer | guards on: NOTHING (gate only) | kernel alone: stopped | kernel alone: NOTHING |\n\
         |---|---|---|---|---|---|---|---|\n",
    );
    let mut fams: BTreeMap<&str, Vec<&Row>> = BTreeMap::new();
    for r in rows {
        fams.entry(&r.family).or_default().push(r);
    }
    let kernel_layer = |l: Layer| matches!(l, Layer::Landlock | Layer::Seccomp | Layer::Limits);
    for (fam, rs) in &fams {
        let count = |f: &dyn Fn(&Row) -> bool| rs.iter().filter(|r| f(r)).count();
        s.push_str(&format!(
            "| {fam} | {} | {} | {} | {} | {} | {} | {} |\n",
            rs.len(),
            count(&|r| r.gate_denies),
            count(&|r| r.guarded.layer == Layer::Guard),
            count(&|r| kernel_layer(r.guarded.layer)),
            count(&|r| r.guarded.layer == Layer::Nothing),
            count(&|r| kernel_layer(r.kernel.layer)),
            count(&|r| r.kernel.layer == Layer::Nothing),
        ));
    }
    s
}

#[test]
fn every_escape_is_stopped_by_a_layer_besides_the_gate_or_listed() {
    let cases = cases();
    assert!(cases.len() >= 100, "only {} cases", cases.len());
    let Some(rows) = run_all(&cases) else {
        eprintln!("skipped: the outer pids-cgroup guard needs root and {PIDS_ROOT}");
        return;
    };
    let table = render(&rows);
    let path = root().join(TABLE);
    if std::env::var_os(WRITE_ENV).is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &table).unwrap();
        eprintln!("wrote {}", path.display());
    }
    for r in &rows {
        assert!(r.gate_denies, "{}: the static gate allows it", r.file);
    }
    let listed: BTreeMap<&str, &str> = GATE_ONLY.iter().copied().collect();
    let mut unlisted = Vec::new();
    let mut stale = Vec::new();
    for r in &rows {
        let gate_only = r.guarded.layer == Layer::Nothing;
        match (gate_only, listed.contains_key(r.file.as_str())) {
            (true, false) => unlisted.push(format!(
                "{} ({}): guards on: {}; kernel alone: {}",
                r.file,
                r.family,
                cell(&r.guarded),
                cell(&r.kernel)
            )),
            (false, true) => stale.push(format!("{}: now {}", r.file, cell(&r.guarded))),
            _ => {}
        }
    }
    for f in listed.keys() {
        assert!(
            rows.iter().any(|r| r.file == *f),
            "GATE_ONLY lists {f}, which is not a corpus case"
        );
    }
    assert!(
        unlisted.is_empty(),
        "{} cases are stopped only by the static gate and not listed in GATE_ONLY:\n{}",
        unlisted.len(),
        unlisted.join("\n")
    );
    assert!(
        stale.is_empty(),
        "GATE_ONLY lists cases another layer now stops (remove them):\n{}",
        stale.join("\n")
    );

    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == table,
        "{TABLE} is not current: run scripts/layer-table\n--- first difference:\n{}",
        first_difference(&committed, &table)
    );
}

fn first_difference(a: &str, b: &str) -> String {
    for (i, (x, y)) in a.lines().zip(b.lines()).enumerate() {
        if x != y {
            return format!("line {}:\n  committed: {x}\n  now:       {y}", i + 1);
        }
    }
    format!(
        "{} lines committed, {} now",
        a.lines().count(),
        b.lines().count()
    )
}

#[test]
fn classification_reads_each_layer_from_the_run() {
    let base = ExecutionResult {
        success: true,
        stdout: String::new(),
        stderr: String::new(),
        error_message: None,
        exit_code: Some(0),
        termination: Termination::Exited,
        truncated: false,
        execution_time_seconds: 0.0,
        cpu_time_seconds: 0.0,
        max_rss_kb: 0,
        verdict: pywarden::policy::Verdict {
            allowed: true,
            score: 0,
            violations: Vec::new(),
        },
        redactions: Vec::new(),
        backend: "local".into(),
    };
    let failed = |msg: &str| ExecutionResult {
        success: false,
        exit_code: Some(1),
        error_message: Some(msg.into()),
        ..base.clone()
    };
    let c = |o: &ExecutionResult, e: &Effect| classify(o, e, true).layer;
    assert_eq!(c(&base, &Effect::Completes), Layer::Nothing);
    let marker = Effect::Stdout("uid=".into());
    assert_eq!(c(&base, &marker), Layer::Other, "completed, no marker");
    let with_marker = ExecutionResult {
        stdout: "uid=65534(nobody)\n".into(),
        ..base.clone()
    };
    assert_eq!(c(&with_marker, &marker), Layer::Nothing);
    let guard = failed("ImportError: pywarden: import of 'os' is not allowed");
    assert_eq!(c(&guard, &Effect::Completes), Layer::Guard);
    assert_eq!(
        classify(&guard, &Effect::Completes, true).detail,
        "import of 'os' is not allowed"
    );
    assert_eq!(
        c(
            &failed("NameError: name 'eval' is not defined"),
            &Effect::Completes
        ),
        Layer::Guard
    );
    // Without guards a missing builtin is CPython's own (`help` needs `site`, absent with -S).
    let help = failed("NameError: name 'help' is not defined");
    assert_eq!(
        classify(&help, &Effect::Completes, false).layer,
        Layer::Other
    );
    assert_eq!(
        classify(&help, &Effect::Completes, true).layer,
        Layer::Guard
    );
    assert_eq!(
        c(
            &failed("NameError: name 'evil' is not defined"),
            &Effect::Completes
        ),
        Layer::Other
    );
    assert_eq!(
        c(
            &failed("PermissionError: [Errno 13] Permission denied: '/x'"),
            &Effect::Completes
        ),
        Layer::Landlock
    );
    assert_eq!(
        c(
            &failed("PermissionError: [Errno 1] Operation not permitted"),
            &Effect::Completes
        ),
        Layer::Seccomp
    );
    let timeout = ExecutionResult {
        termination: Termination::Timeout,
        ..failed("TimeoutError: wall-clock limit")
    };
    assert_eq!(c(&timeout, &Effect::Completes), Layer::Limits);
    let memory = ExecutionResult {
        termination: Termination::Memory,
        ..failed("MemoryError")
    };
    assert_eq!(c(&memory, &Effect::Completes), Layer::Limits);
    assert_eq!(
        c(
            &failed("ModuleNotFoundError: No module named 'requests'"),
            &Effect::Completes
        ),
        Layer::Other
    );
}
