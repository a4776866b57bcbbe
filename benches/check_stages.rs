//! Where `pywarden check`'s time goes, stage by stage, on a directory of Python files (the
//! CPython standard library by default): facts extraction (decode, prescan, parse, walk, drop),
//! building the policy input, and policy evaluation — each timed over every file, best of a few
//! rounds, on one thread. `POLICY_DIRS=a:b` also times alternative policy directories (and
//! checks that their verdicts equal the default policy's).
//!
//! `cargo bench --bench check_stages -- [DIR]`; `INSTRUCTIONS=policies:OTHER` also counts the
//! VM instructions each policy directory executes over the same inputs (exact, unlike time).

use pywarden::parse::Limits;
use pywarden::policy::PolicyEngine;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// CPU time of this thread in seconds (the machine is shared: wall time would count the
/// time other processes held the core).
fn thread_cpu() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

/// Best (least CPU) of `rounds` runs of `f`, in milliseconds, and the last result.
fn best_of<T>(rounds: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut best = f64::MAX;
    let mut out = None;
    for _ in 0..rounds {
        let start = thread_cpu();
        let v = f();
        best = best.min(thread_cpu() - start);
        out = Some(v);
    }
    (best * 1e3, out.expect("at least one round"))
}

fn main() {
    let dir = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .unwrap_or_else(|| "/root/.pyenv/versions/3.11.7/lib/python3.11".to_string());
    if let Ok(dir) = std::env::var("LISTING") {
        print_listing(&dir);
        return;
    }
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for entry in ignore::WalkBuilder::new(&dir)
        .standard_filters(false)
        .build()
    {
        let Ok(entry) = entry else { continue };
        let path = entry.path();
        let p = path.to_string_lossy();
        if path.extension().is_some_and(|e| e == "py")
            && !p.contains("/test/")
            && !p.contains("/tests/")
            && !p.contains("/idle_test/")
            && !p.contains("/site-packages/")
            && let Ok(bytes) = std::fs::read(path)
        {
            files.push((p.to_string(), bytes));
        }
    }
    let total: usize = files.iter().map(|(_, b)| b.len()).sum();
    println!(
        "{} files, {:.2} MB from {dir}",
        files.len(),
        total as f64 / 1e6
    );
    let limits = Limits::default();
    let rounds = 5;

    if std::env::var("PROFILE").is_ok_and(|p| p == "facts") {
        for _ in 0..10 {
            for (_, b) in &files {
                std::hint::black_box(pywarden::facts::extract_on_current_thread(b, &limits).ok());
            }
        }
        return;
    }
    let (t, all) = best_of(rounds, || {
        files
            .iter()
            .map(|(_, b)| pywarden::facts::extract_on_current_thread(b, &limits).ok())
            .collect::<Vec<_>>()
    });
    println!("facts (decode+prescan+parse+walk+drop): {t:8.1} ms");
    let facts: Vec<_> = all.into_iter().flatten().collect();
    use pywarden::parse;
    let (t, _) = best_of(rounds, || {
        for (_, b) in &files {
            let _ = parse::decode(b, &limits);
        }
    });
    println!("  decode:                              {t:8.1} ms");
    let texts: Vec<&str> = files
        .iter()
        .filter_map(|(_, b)| parse::decode(b, &limits).ok().map(|d| d.text))
        .collect();
    let (t, _) = best_of(rounds, || {
        for text in &texts {
            let _ = parse::prescan(text, &limits);
        }
    });
    println!("  prescan:                             {t:8.1} ms");
    let (t, _) = best_of(rounds, || {
        for text in &texts {
            std::hint::black_box(parse::LineIndex::new(text));
        }
    });
    println!("  line index:                          {t:8.1} ms");
    let (t, _) = best_of(rounds, || {
        for text in &texts {
            let index = parse::LineIndex::new(text);
            let _ = parse::parse_module(text, &index);
        }
    });
    println!("  line index+parse+drop:               {t:8.1} ms");
    if std::env::var("PROFILE").is_ok_and(|p| p == "input") {
        for _ in 0..30 {
            for f in &facts {
                std::hint::black_box(pywarden::policy::input::input_value(f, &[]));
            }
        }
        return;
    }
    let (t, inputs) = best_of(rounds, || {
        facts
            .iter()
            .map(|f| pywarden::policy::input::input_value(f, &[]))
            .collect::<Vec<_>>()
    });
    println!("policy input:                          {t:8.1} ms");
    // `INSTRUCTIONS=dir:dir` counts the VM instructions each policy directory executes.
    for dir in std::env::var("INSTRUCTIONS").unwrap_or_default().split(':') {
        if dir.is_empty() {
            continue;
        }
        let (program, data) = rvm_program(dir);
        let total: usize = inputs
            .iter()
            .map(|i| instructions(&program, &data, i))
            .sum();
        let empty = pywarden::policy::input::input_value(&pywarden::facts::Facts::default(), &[]);
        println!(
            "VM instructions ({dir}): {total} over {} units, {} for empty facts",
            inputs.len(),
            instructions(&program, &data, &empty)
        );
    }
    let engine = PolicyEngine::load(None, &[]).unwrap();
    // `PROFILE=facts|input|eval|empty` only repeats that loop (for `perf record`).
    if let Ok(what) = std::env::var("PROFILE") {
        let empty = pywarden::policy::input::input_value(&pywarden::facts::Facts::default(), &[]);
        for _ in 0..20 {
            for i in &inputs {
                let input = if what == "empty" { &empty } else { i };
                std::hint::black_box(engine.evaluate_value(input.clone()).unwrap());
            }
        }
        return;
    }
    let (t, reference) = best_of(rounds, || {
        inputs
            .iter()
            .map(|i| engine.evaluate_value(i.clone()).unwrap())
            .collect::<Vec<_>>()
    });
    println!("policy evaluation (embedded):          {t:8.1} ms");
    if std::env::var("TOP").is_ok() {
        let mut per: Vec<(f64, usize)> = inputs
            .iter()
            .enumerate()
            .map(|(i, input)| (best_of(3, || engine.evaluate_value(input.clone())).0, i))
            .collect();
        per.sort_by(|a, b| b.0.total_cmp(&a.0));
        for (t, i) in per.iter().take(15) {
            let f = &facts[*i];
            println!(
                "  {t:6.2} ms  imports={} names={} attributes={} calls={} strings={}",
                f.imports.len(),
                f.names.len(),
                f.attributes.len(),
                f.calls.len(),
                f.strings.len()
            );
        }
    }
    let empty = pywarden::policy::input::input_value(&pywarden::facts::Facts::default(), &[]);
    let (t, _) = best_of(rounds, || {
        for _ in &inputs {
            let _ = engine.evaluate_value(empty.clone());
        }
    });
    println!("  as many evaluations of empty facts:  {t:8.1} ms");
    for alt in std::env::var("POLICY_DIRS").unwrap_or_default().split(':') {
        if alt.is_empty() {
            continue;
        }
        let engine = match PolicyEngine::load(Some(std::path::Path::new(alt)), &[]) {
            Ok(e) => e,
            Err(e) => {
                println!("{alt}: {e:#}");
                continue;
            }
        };
        let (t, verdicts) = best_of(rounds, || {
            inputs
                .iter()
                .map(|i| engine.evaluate_value(i.clone()))
                .collect::<Vec<_>>()
        });
        let same = verdicts
            .iter()
            .zip(&reference)
            .filter(|(a, b)| a.as_ref().ok() == Some(*b))
            .count();
        println!(
            "policy evaluation ({alt}): {t:8.1} ms, verdicts equal: {same}/{}",
            reference.len()
        );
        let (t, _) = best_of(rounds, || {
            for _ in &inputs {
                let _ = engine.evaluate_value(empty.clone());
            }
        });
        println!("  as many evaluations of empty facts:  {t:8.1} ms");
    }
}

/// Prints the RVM assembly of the policy in `dir` (what each rule costs in instructions).
fn print_listing(dir: &str) {
    let (program, _) = rvm_program(dir);
    let config = regorus::rvm::program::AssemblyListingConfig::default();
    println!(
        "{}",
        regorus::rvm::program::generate_assembly_listing(&program, &config)
    );
}

/// Instructions the VM executes for `input` (found by bisecting the instruction limit: the
/// count is exact and, unlike time, free of noise from other processes).
fn instructions(
    program: &std::sync::Arc<regorus::rvm::program::Program>,
    data: &regorus::Value,
    input: &regorus::Value,
) -> usize {
    let completes = |max: usize| {
        let mut vm = regorus::rvm::RegoVM::new();
        vm.load_program(program.clone());
        vm.set_max_instructions(max);
        vm.set_data(data.clone()).is_ok() && {
            vm.set_input(input.clone());
            vm.execute().is_ok()
        }
    };
    let (mut lo, mut hi) = (1usize, 1usize << 26);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if completes(mid) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    lo
}

/// The policy in `dir` compiled to RVM bytecode, and its data.
fn rvm_program(
    dir: &str,
) -> (
    std::sync::Arc<regorus::rvm::program::Program>,
    regorus::Value,
) {
    let set = pywarden::policy::PolicySet::from_dir(std::path::Path::new(dir)).unwrap();
    let data = set.merged_data(&[]).unwrap();
    let mut engine = regorus::Engine::new();
    engine.set_rego_v0(false);
    for (name, text) in &set.modules {
        if !name.ends_with("_test.rego") {
            engine.add_policy(name.clone(), text.clone()).unwrap();
        }
    }
    let data = regorus::Value::from(data);
    engine.add_data(data.clone()).unwrap();
    let entry: regorus::Rc<str> = pywarden::policy::ENTRY_POINT.into();
    let compiled = engine.compile_with_entrypoint(&entry).unwrap();
    let program = regorus::languages::rego::compiler::Compiler::compile_from_policy(
        &compiled,
        &[pywarden::policy::ENTRY_POINT],
    )
    .unwrap();
    (program, data)
}
