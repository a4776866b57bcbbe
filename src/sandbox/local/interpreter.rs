//! Finding a working CPython for the local sandbox.
//!
//! `python3` on `PATH` is often a pyenv *shim* (a bash script costing hundreds of ms per call),
//! so the real binary is resolved once at start-up and exec'd directly. When the sandbox drops
//! to an unprivileged uid, the interpreter must be reachable by that uid (pyenv's prefix under
//! `/root`, mode 0700, is not), so a system interpreter such as `/usr/bin/python3.11` is chosen.
//! The chosen interpreter is probed once (`-I -S`) for its prefixes, which become the Landlock
//! read grants, and its ELF loader (`PT_INTERP`), which needs the execute right.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// A resolved interpreter and what it needs to start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interpreter {
    /// Canonical path of the ELF binary.
    pub path: PathBuf,
    /// `major.minor`, e.g. `3.11`.
    pub version: String,
    /// Canonical `sys.prefix`, `sys.base_prefix`, ... and `sys.path` entries.
    pub read_trees: Vec<PathBuf>,
    /// The ELF program interpreter (`/lib64/ld-linux-x86-64.so.2`), canonical.
    pub elf_loader: Option<PathBuf>,
}

const PROBE: &str = "import sys\nprint('%d.%d' % sys.version_info[:2])\nfor p in {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, *sys.path}:\n    print(p)";

/// Whether every directory above `path` is searchable and `path` executable by "other"
/// (an unprivileged uid that owns none of them).
pub fn reachable_by_other(path: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(path) else {
        return false;
    };
    if meta.mode() & 0o001 == 0 {
        return false;
    }
    let mut cur = path.parent();
    while let Some(dir) = cur {
        match std::fs::metadata(dir) {
            Ok(m) if m.mode() & 0o001 != 0 => {}
            _ => return false,
        }
        cur = dir.parent();
    }
    true
}

/// Runs `cmd` with a wall-clock bound, returning stdout on success.
fn output_with_timeout(mut cmd: Command, limit: Duration) -> Option<String> {
    use std::io::Read;
    let mut child = cmd
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .ok()?;
    let start = std::time::Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => break,
            Ok(Some(_)) | Err(_) => return None,
            Ok(None) if start.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
        }
    }
    let mut out = String::new();
    child.stdout.take()?.read_to_string(&mut out).ok()?;
    Some(out)
}

/// Resolves `python3` on PATH to the real binary (through a pyenv shim if any).
fn resolve_path_python() -> Option<PathBuf> {
    let mut cmd = Command::new("python3");
    cmd.args(["-I", "-S", "-c", "import sys; print(sys.executable)"]);
    let out = output_with_timeout(cmd, Duration::from_secs(10))?;
    let p = PathBuf::from(out.trim());
    std::fs::canonicalize(p).ok()
}

/// Derives an [`Interpreter`] from the standard layout without starting it (start-up time
/// matters for one-shot `pywarden run`): `<prefix>/bin/python3.N` with
/// `<prefix>/lib/python3.N/os.py`. The read grant is the whole prefix, which is also what the
/// probe finds (`sys.prefix`); `None` when the layout is not the standard one.
fn from_layout(canon: &Path) -> Option<Interpreter> {
    let name = canon.file_name()?.to_str()?;
    let version = name.strip_prefix("python")?;
    let (major, minor) = version.split_once('.')?;
    if major != "3" || minor.parse::<u32>().ok()? < 8 {
        return None;
    }
    let bin = canon.parent()?;
    if bin.file_name()? != "bin" {
        return None;
    }
    let prefix = bin.parent()?;
    if !prefix.join("lib").join(name).join("os.py").is_file() {
        return None;
    }
    Some(Interpreter {
        path: canon.to_path_buf(),
        version: version.to_string(),
        read_trees: vec![prefix.to_path_buf()],
        elf_loader: elf_interp(canon),
    })
}

/// Resolves `path` and builds an [`Interpreter`]: from the standard layout when it applies,
/// otherwise by starting it once (`-I -S`) and asking for its prefixes and `sys.path`.
pub fn probe(path: &Path) -> Result<Interpreter, String> {
    let canon =
        std::fs::canonicalize(path).map_err(|e| format!("interpreter {}: {e}", path.display()))?;
    if let Some(it) = from_layout(&canon) {
        return Ok(it);
    }
    probe_by_running(&canon)
}

/// Starts the interpreter once (`-I -S`) and asks for its prefixes and `sys.path`.
pub fn probe_by_running(canon: &Path) -> Result<Interpreter, String> {
    let mut cmd = Command::new(canon);
    cmd.args(["-I", "-S", "-c", PROBE]).env_clear();
    let out = output_with_timeout(cmd, Duration::from_secs(10))
        .ok_or_else(|| format!("interpreter {} does not start with -I -S", canon.display()))?;
    let mut lines = out.lines();
    let version = lines.next().unwrap_or_default().trim().to_string();
    let (major, minor) = version.split_once('.').unwrap_or(("0", "0"));
    let ok = major == "3" && minor.parse::<u32>().is_ok_and(|m| m >= 8);
    if !ok {
        return Err(format!(
            "interpreter {} is Python {version:?}, need >= 3.8",
            canon.display()
        ));
    }
    let mut read_trees: Vec<PathBuf> = Vec::new();
    for line in lines {
        let Ok(p) = std::fs::canonicalize(line.trim()) else {
            continue;
        };
        // A zip on sys.path that does not exist is skipped by canonicalize; keep dirs only.
        if p.is_dir() && !read_trees.iter().any(|t| p.starts_with(t)) {
            read_trees.retain(|t| !t.starts_with(&p));
            read_trees.push(p);
        }
    }
    read_trees.sort();
    Ok(Interpreter {
        elf_loader: elf_interp(canon),
        path: canon.to_path_buf(),
        version,
        read_trees,
    })
}

/// Reads the `PT_INTERP` segment of a 64-bit little-endian ELF file.
pub fn elf_interp(path: &Path) -> Option<PathBuf> {
    // The ELF header, program headers and PT_INTERP string sit at the start of the file:
    // read 64 KiB, not the whole (multi-megabyte) binary.
    let mut data = Vec::with_capacity(64 * 1024);
    std::io::Read::read_to_end(
        &mut std::io::Read::take(std::fs::File::open(path).ok()?, 64 * 1024),
        &mut data,
    )
    .ok()?;
    let u16_at = |o: usize| Some(u16::from_le_bytes(data.get(o..o + 2)?.try_into().ok()?));
    let u32_at = |o: usize| Some(u32::from_le_bytes(data.get(o..o + 4)?.try_into().ok()?));
    let u64_at = |o: usize| Some(u64::from_le_bytes(data.get(o..o + 8)?.try_into().ok()?));
    if data.get(0..4)? != b"\x7fELF" || *data.get(4)? != 2 || *data.get(5)? != 1 {
        return None;
    }
    let phoff = usize::try_from(u64_at(0x20)?).ok()?;
    let phentsize = usize::from(u16_at(0x36)?);
    let phnum = usize::from(u16_at(0x38)?);
    for i in 0..phnum {
        let ph = phoff.checked_add(i.checked_mul(phentsize)?)?;
        if u32_at(ph)? == 3 {
            let off = usize::try_from(u64_at(ph + 8)?).ok()?;
            let size = usize::try_from(u64_at(ph + 32)?).ok()?;
            let raw = data.get(off..off.checked_add(size)?)?;
            let s = std::str::from_utf8(raw).ok()?.trim_end_matches('\0');
            return std::fs::canonicalize(s).ok();
        }
    }
    None
}

/// Picks a working interpreter: `explicit` if given; otherwise, when the run uid is
/// unprivileged-switched (`for_other_uid`), the first system interpreter reachable by "other";
/// otherwise `python3` on PATH resolved through any pyenv shim, then the system ones.
pub fn discover(explicit: Option<&Path>, for_other_uid: bool) -> Result<Interpreter, String> {
    if let Some(p) = explicit {
        let it = probe(p)?;
        if for_other_uid && !reachable_by_other(&it.path) {
            return Err(format!(
                "interpreter {} is not reachable by the unprivileged sandbox uid (a parent \
                 directory is not searchable by others); choose e.g. /usr/bin/python3.11",
                it.path.display()
            ));
        }
        return Ok(it);
    }
    let system = [
        "/usr/bin/python3.11",
        "/usr/bin/python3",
        "/usr/local/bin/python3",
    ];
    let mut candidates: Vec<PathBuf> = Vec::new();
    if !for_other_uid && let Some(p) = resolve_path_python() {
        candidates.push(p);
    }
    candidates.extend(system.iter().map(PathBuf::from));
    let mut errors = Vec::new();
    for c in candidates {
        if for_other_uid && !reachable_by_other(&c) {
            errors.push(format!("{}: not reachable by the sandbox uid", c.display()));
            continue;
        }
        match probe(&c) {
            Ok(it) => return Ok(it),
            Err(e) => errors.push(e),
        }
    }
    Err(format!(
        "no working Python interpreter found ({})",
        errors.join("; ")
    ))
}
