//! Complexity metrics and resource bombs.
//!
//! **What it catches:** exponent towers (`10 ** 10 ** 10`, `2**2**2**2**2`), huge repeats
//! (`"a" * 10**9`, `[0] * 10**10`, `x * (1 << 40)`), huge shifts (`1 << 10**10`), huge
//! allocations (`bytearray(10**10)`, `range(10**12)` materialised by `list`), and
//! `while True:` loops with no `break` (nor `return`, `raise` or `yield`) — plus the plain size metrics
//! (cyclomatic complexity, nesting, node count, literal and collection sizes) the walker
//! accumulates.
//!
//! **Why it matters:** one constant expression can pin a CPU for hours or exhaust memory
//! before any sandbox limit is checked; the gate can refuse it without running it.
//!
//! **Example:** `10 ** 10 ** 10` yields a bomb `{kind: "power", log10_size: 10}` (the result has
//! 10^10 digits); `2 ** 10` and `"-" * 70` yield nothing.
//!
//! Estimates work on log10 magnitudes, never on the numbers themselves, so estimating is
//! constant-time per node and cannot overflow.

use ruff_python_ast::{Expr, Number, Operator, Stmt, UnaryOp};

use super::resolver::{MAX_RESOLVE_DEPTH, Resolver, Target};
use super::strings::{Budget, Value};

/// Smallest log10 of the digit count that makes a power or shift a bomb (10 000 digits).
pub const NUMBER_BOMB_LOG10: f64 = 4.0;
/// Smallest log10 of the element count that makes a repeat or allocation a bomb (10 M).
pub const REPEAT_BOMB_LOG10: f64 = 7.0;
/// Smallest log10 of a multiplier that makes `unknown * n` a bomb (10^10).
pub const UNKNOWN_REPEAT_LOG10: f64 = 10.0;

/// A magnitude estimate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Est {
    /// A number with log10 of its absolute value (0 for |v| ≤ 1).
    Num(f64),
    /// A sequence with log10 of its length.
    Seq(f64),
    /// A lazy sequence (`range(n)`) with log10 of its length: costs nothing until materialised.
    Lazy(f64),
    /// Something unknown.
    Unknown,
}

const CAP: f64 = 1e300;

/// Estimates the magnitude of `e`.
pub fn estimate(e: &Expr, r: &Resolver, budget: &mut Budget, depth: u32) -> Est {
    if depth > MAX_RESOLVE_DEPTH || !budget.step(1) {
        return Est::Unknown;
    }
    match e {
        Expr::NumberLiteral(n) => match &n.value {
            Number::Int(i) => match i.as_u64() {
                Some(v) => Est::Num(if v <= 1 { 0.0 } else { (v as f64).log10() }),
                None => Est::Num(i.to_string().len() as f64 - 1.0),
            },
            Number::Float(f) => Est::Num(if f.abs() <= 1.0 { 0.0 } else { f.abs().log10() }),
            Number::Complex { .. } => Est::Unknown,
        },
        Expr::StringLiteral(s) => Est::Seq(log_len(s.value.len())),
        Expr::BytesLiteral(b) => Est::Seq(log_len(b.value.len())),
        Expr::List(l) => Est::Seq(log_len(l.elts.len())),
        Expr::Tuple(t) => Est::Seq(log_len(t.elts.len())),
        Expr::Name(n) => match r.constant(n.id.as_str()) {
            Some(Value::Int(v)) => {
                let v = v.unsigned_abs();
                Est::Num(if v <= 1 { 0.0 } else { (v as f64).log10() })
            }
            Some(Value::Str(s)) => Est::Seq(log_len(s.len())),
            Some(Value::List(l)) => Est::Seq(log_len(l.len())),
            _ => Est::Unknown,
        },
        Expr::UnaryOp(u) if matches!(u.op, UnaryOp::USub | UnaryOp::UAdd | UnaryOp::Invert) => {
            estimate(&u.operand, r, budget, depth + 1)
        }
        Expr::BinOp(b) => {
            let l = estimate(&b.left, r, budget, depth + 1);
            let rr = estimate(&b.right, r, budget, depth + 1);
            match (b.op, l, rr) {
                (Operator::Pow, Est::Num(a), Est::Num(x)) => {
                    if is_negative(&b.right) {
                        return Est::Num(0.0);
                    }
                    // |a ** x| = 10 ** (x_value * log10 a), x_value = 10 ** x.
                    Est::Num((10f64.powf(x.min(300.0)) * a).min(CAP))
                }
                (Operator::Mult, Est::Num(a), Est::Num(x)) => Est::Num((a + x).min(CAP)),
                (Operator::Mult, Est::Seq(s), Est::Num(n))
                | (Operator::Mult, Est::Num(n), Est::Seq(s)) => Est::Seq((s + n).min(CAP)),
                (Operator::LShift, Est::Num(a), Est::Num(x)) => {
                    Est::Num((a + 10f64.powf(x.min(300.0)) * std::f64::consts::LOG10_2).min(CAP))
                }
                (Operator::Add | Operator::Sub, Est::Num(a), Est::Num(x)) => {
                    Est::Num(a.max(x) + std::f64::consts::LOG10_2)
                }
                (Operator::Add, Est::Seq(a), Est::Seq(x)) => {
                    Est::Seq(a.max(x) + std::f64::consts::LOG10_2)
                }
                _ => Est::Unknown,
            }
        }
        Expr::Call(c) if c.arguments.args.len() == 1 && c.arguments.keywords.is_empty() => {
            let Some(Target::Builtin(f)) = r.resolve_at(&c.func, budget, depth + 1) else {
                return Est::Unknown;
            };
            let arg = estimate(&c.arguments.args[0], r, budget, depth + 1);
            match (f.as_str(), arg) {
                ("bytearray" | "bytes", Est::Num(n)) => Est::Seq(n),
                ("range", Est::Num(n)) => Est::Lazy(n),
                (
                    "list" | "tuple" | "set" | "frozenset" | "bytearray" | "bytes" | "sorted",
                    Est::Seq(n) | Est::Lazy(n),
                ) => Est::Seq(n),
                _ => Est::Unknown,
            }
        }
        _ => Est::Unknown,
    }
}

fn log_len(n: usize) -> f64 {
    if n <= 1 { 0.0 } else { (n as f64).log10() }
}

fn is_negative(e: &Expr) -> bool {
    matches!(e, Expr::UnaryOp(u) if u.op == UnaryOp::USub)
}

/// The bomb `e` is, if any: `(kind, log10_size)`. Only the outermost node of a bomb is reported.
pub fn bomb(e: &Expr, r: &Resolver, budget: &mut Budget) -> Option<(&'static str, f64)> {
    let (kind, size) = match e {
        Expr::BinOp(b) => match b.op {
            Operator::Pow | Operator::LShift => {
                let Est::Num(digits) = estimate(e, r, budget, 0) else {
                    return None;
                };
                let kind = if b.op == Operator::Pow {
                    "power"
                } else {
                    "shift"
                };
                (kind, if digits <= 1.0 { 0.0 } else { digits.log10() })
            }
            Operator::Mult => match estimate(e, r, budget, 0) {
                Est::Seq(n) if n >= REPEAT_BOMB_LOG10 => ("repeat", n),
                Est::Unknown => {
                    // `x * (1 << 40)`: an unknown operand times a huge count.
                    let n = [&b.left, &b.right]
                        .into_iter()
                        .filter_map(|s| match estimate(s, r, budget, 1) {
                            Est::Num(n) => Some(n),
                            _ => None,
                        })
                        .fold(0.0, f64::max);
                    if n >= UNKNOWN_REPEAT_LOG10 {
                        ("repeat", n)
                    } else {
                        return None;
                    }
                }
                _ => return None,
            },
            _ => return None,
        },
        Expr::Call(_) => match estimate(e, r, budget, 0) {
            Est::Seq(n) if n >= REPEAT_BOMB_LOG10 => ("alloc", n),
            _ => return None,
        },
        _ => return None,
    };
    let threshold = match kind {
        "power" | "shift" => NUMBER_BOMB_LOG10,
        _ => REPEAT_BOMB_LOG10.min(UNKNOWN_REPEAT_LOG10),
    };
    let size = if size.is_finite() { size.min(CAP) } else { CAP };
    (size >= threshold).then_some((kind, size))
}

/// True for tests that are constant and true: `True`, non-zero numbers, non-empty strings.
pub fn is_const_true(e: &Expr) -> bool {
    match e {
        Expr::BooleanLiteral(b) => b.value,
        Expr::NumberLiteral(n) => match &n.value {
            Number::Int(i) => i.as_u64() != Some(0),
            Number::Float(f) => *f != 0.0,
            Number::Complex { real, imag } => *real != 0.0 || *imag != 0.0,
        },
        Expr::StringLiteral(s) => !s.value.is_empty(),
        Expr::BytesLiteral(b) => !b.value.is_empty(),
        Expr::UnaryOp(u) if u.op == UnaryOp::Not => is_const_false(&u.operand),
        _ => false,
    }
}

fn is_const_false(e: &Expr) -> bool {
    match e {
        Expr::BooleanLiteral(b) => !b.value,
        Expr::NoneLiteral(_) => true,
        Expr::NumberLiteral(n) => matches!(&n.value, Number::Int(i) if i.as_u64() == Some(0)),
        Expr::StringLiteral(s) => s.value.is_empty(),
        _ => false,
    }
}

/// True when `body` (the body of a loop) can leave the loop: a `break` of this loop, or a
/// `return`, `raise` or statement-level `yield` anywhere outside nested functions and classes
/// (an infinite generator is driven by its consumer, and `raise` is how retry loops end).
pub fn loop_can_exit(body: &[Stmt]) -> bool {
    body.iter().any(|s| stmt_exits(s, true))
}

fn stmt_exits(s: &Stmt, this_loop: bool) -> bool {
    let any = |b: &[Stmt], this: bool| b.iter().any(|s| stmt_exits(s, this));
    match s {
        Stmt::Break(_) => this_loop,
        Stmt::Return(_) | Stmt::Raise(_) => true,
        // A generator's `while True: yield x` hands control to its consumer at every turn.
        Stmt::Expr(e) => matches!(&*e.value, Expr::Yield(_) | Expr::YieldFrom(_)),
        Stmt::Assign(a) => matches!(&*a.value, Expr::Yield(_) | Expr::YieldFrom(_)),
        Stmt::If(i) => {
            any(&i.body, this_loop) || i.elif_else_clauses.iter().any(|c| any(&c.body, this_loop))
        }
        Stmt::With(w) => any(&w.body, this_loop),
        Stmt::Try(t) => {
            any(&t.body, this_loop)
                || any(&t.orelse, this_loop)
                || any(&t.finalbody, this_loop)
                || t.handlers.iter().any(|h| match h {
                    ruff_python_ast::ExceptHandler::ExceptHandler(h) => any(&h.body, this_loop),
                })
        }
        Stmt::Match(m) => m.cases.iter().any(|c| any(&c.body, this_loop)),
        // A nested loop's `break` leaves only that loop, but a `return` inside still exits.
        Stmt::For(f) => any(&f.body, false) || any(&f.orelse, this_loop),
        Stmt::While(w) => any(&w.body, false) || any(&w.orelse, this_loop),
        _ => false,
    }
}
