//! The facts walk: one depth-limited pass over the tree that dispatches every node to the
//! concern modules (imports, names, attributes, calls, strings, complexity) and keeps the
//! shared [`Resolver`] up to date in source order.
//!
//! The walk is recursive but never deeper than [`Limits::max_depth`] (combined statement and
//! expression nesting): deeper input stops the walk with a `too-deep` error at the node where
//! the limit was crossed.

use ruff_python_ast::{
    Comprehension, ExceptHandler, Expr, ExprContext, InterpolatedStringElement,
    InterpolatedStringElements, Parameters, Pattern, Stmt, TypeParam, TypeParams,
};
use ruff_text_size::{Ranged, TextRange};

use super::complexity::{bomb, is_const_true, loop_can_exit};
use super::resolver::Resolver;
use super::strings::{Budget, Value, fold, fold_how};
use super::{Bomb, Facts, Location, ResolvedString, attributes, calls, imports, names};
use crate::parse::{Limits, LineIndex, ParseError};

/// How an expression is used by its parent (decides `NameRef.context`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Plain,
    Call,
    Decorator,
    Default,
    Argument,
}

/// Walk state.
pub(crate) struct Walker<'a> {
    pub text: &'a str,
    pub index: &'a LineIndex<'a>,
    pub limits: &'a Limits,
    pub r: Resolver,
    pub budget: Budget,
    pub facts: Facts,
    pub error: Option<ParseError>,
    depth: u32,
    expr_depth: u32,
    nesting: u32,
    /// Cyclomatic complexity of the units being walked (module, then nested functions).
    units: Vec<(u32, Location)>,
    /// > 0 while inside an expression whose string value was already reported.
    in_folded: u32,
    /// > 0 while inside an expression already reported as a bomb.
    in_bomb: u32,
}

impl<'a> Walker<'a> {
    pub fn new(text: &'a str, index: &'a LineIndex<'a>, limits: &'a Limits) -> Self {
        Self {
            text,
            index,
            limits,
            r: Resolver::default(),
            budget: Budget::default(),
            facts: Facts::default(),
            error: None,
            depth: 0,
            expr_depth: 0,
            nesting: 0,
            units: vec![(1, Location { line: 1, column: 1 })],
            in_folded: 0,
            in_bomb: 0,
        }
    }

    /// Location of the start of `range`.
    pub fn loc(&self, range: TextRange) -> Location {
        self.index.location(range.start().to_usize())
    }

    /// The source text of `range` (empty if out of bounds).
    pub fn source(&self, range: TextRange) -> &'a str {
        self.text
            .get(range.start().to_usize()..range.end().to_usize())
            .unwrap_or("")
    }

    /// Folds `e` with the walk's resolver and budget.
    pub fn fold(&mut self, e: &Expr) -> Option<Value> {
        fold(e, &self.r, &mut self.budget)
    }

    /// Walks a module body and finishes the metrics.
    pub fn module(&mut self, body: &[Stmt]) {
        self.body(body, false);
        let (c, at) = self.units.pop().unwrap_or((1, Location::default()));
        self.finish_unit(c, at);
        for n in &mut self.facts.names {
            n.shadowed = self.r.bound.contains(&n.name);
        }
    }

    fn finish_unit(&mut self, c: u32, at: Location) {
        let cx = &mut self.facts.complexity;
        cx.cyclomatic_total = cx.cyclomatic_total.saturating_add(c);
        if c > cx.cyclomatic_max {
            cx.cyclomatic_max = c;
            cx.cyclomatic_max_at = Some(at);
        }
    }

    fn branch(&mut self, n: u32) {
        if let Some(u) = self.units.last_mut() {
            u.0 = u.0.saturating_add(n);
        }
    }

    /// Enters a node; false (and the error recorded) when the depth limit is crossed.
    fn enter(&mut self, range: TextRange) -> bool {
        if self.error.is_some() {
            return false;
        }
        self.depth += 1;
        self.facts.complexity.nodes += 1;
        if self.depth > self.limits.max_depth {
            let loc = self.loc(range);
            self.error = Some(ParseError::new(
                "too-deep",
                format!(
                    "nesting deeper than {} (blocks and expressions)",
                    self.limits.max_depth
                ),
                loc.line,
                loc.column,
            ));
            self.depth -= 1;
            return false;
        }
        true
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    fn body(&mut self, body: &[Stmt], nested: bool) {
        if nested {
            self.nesting += 1;
            let cx = &mut self.facts.complexity;
            cx.max_nesting = cx.max_nesting.max(self.nesting);
        }
        for s in body {
            self.stmt(s);
        }
        if nested {
            self.nesting -= 1;
        }
    }

    fn exprs<'e>(&mut self, es: impl IntoIterator<Item = &'e Expr>, role: Role) {
        for e in es {
            self.expr(e, role);
        }
    }

    fn opt(&mut self, e: Option<&Expr>) {
        if let Some(e) = e {
            self.expr(e, Role::Plain);
        }
    }

    /// Binds every name in an assignment target (for `shadowed` and alias tracking).
    fn bind_target(&mut self, target: &Expr) {
        match target {
            Expr::Name(n) => {
                self.r.bind(n.id.as_str(), None);
                self.r.bind_const(n.id.as_str(), None);
            }
            Expr::Tuple(t) => t.elts.iter().for_each(|e| self.bind_target(e)),
            Expr::List(l) => l.elts.iter().for_each(|e| self.bind_target(e)),
            Expr::Starred(s) => self.bind_target(&s.value),
            _ => {}
        }
    }

    /// `target = value`: alias and constant tracking.
    fn assign(&mut self, target: &Expr, value: &Expr) {
        match (target, value) {
            (Expr::Name(n), _) => {
                let t = self.r.resolve(value, &mut self.budget);
                let v = self.fold(value);
                self.r.bind(n.id.as_str(), t);
                self.r.bind_const(n.id.as_str(), v);
            }
            (Expr::Tuple(t), Expr::Tuple(v)) if t.elts.len() == v.elts.len() => {
                for (a, b) in t.elts.iter().zip(v.elts.iter()) {
                    self.assign(a, b);
                }
            }
            _ => self.bind_target(target),
        }
    }

    fn parameters(&mut self, p: &Parameters) {
        for pw in p.posonlyargs.iter().chain(&p.args).chain(&p.kwonlyargs) {
            if let Some(a) = &pw.parameter.annotation {
                self.expr(a, Role::Plain);
            }
            if let Some(d) = &pw.default {
                self.expr(d, Role::Default);
            }
        }
        for v in [&p.vararg, &p.kwarg].into_iter().flatten() {
            if let Some(a) = &v.annotation {
                self.expr(a, Role::Plain);
            }
        }
    }

    fn bind_parameters(&mut self, p: &Parameters) {
        for pw in p.posonlyargs.iter().chain(&p.args).chain(&p.kwonlyargs) {
            self.r.mark_bound(pw.parameter.name.id.as_str());
        }
        for v in [&p.vararg, &p.kwarg].into_iter().flatten() {
            self.r.mark_bound(v.name.id.as_str());
        }
    }

    fn type_params(&mut self, tp: Option<&TypeParams>) {
        let Some(tp) = tp else { return };
        for t in tp.type_params.iter() {
            let (bound, default) = match t {
                TypeParam::TypeVar(v) => (v.bound.as_deref(), v.default.as_deref()),
                TypeParam::TypeVarTuple(v) => (None, v.default.as_deref()),
                TypeParam::ParamSpec(v) => (None, v.default.as_deref()),
            };
            self.opt(bound);
            self.opt(default);
        }
    }

    fn stmt(&mut self, s: &Stmt) {
        if !self.enter(s.range()) {
            return;
        }
        match s {
            Stmt::FunctionDef(f) => {
                for d in &f.decorator_list {
                    self.expr(&d.expression, Role::Decorator);
                }
                self.type_params(f.type_params.as_deref());
                self.parameters(&f.parameters);
                self.opt(f.returns.as_deref());
                self.r.bind(f.name.id.as_str(), None);
                self.r.bind_const(f.name.id.as_str(), None);
                self.bind_parameters(&f.parameters);
                let at = self.loc(f.range());
                self.units.push((1, at));
                self.body(&f.body, true);
                if let Some((c, at)) = self.units.pop() {
                    self.finish_unit(c, at);
                }
            }
            Stmt::ClassDef(c) => {
                for d in &c.decorator_list {
                    self.expr(&d.expression, Role::Decorator);
                }
                self.type_params(c.type_params.as_deref());
                if let Some(args) = &c.arguments {
                    self.exprs(args.args.iter(), Role::Plain);
                    for k in args.keywords.iter() {
                        self.expr(&k.value, Role::Plain);
                    }
                }
                self.r.bind(c.name.id.as_str(), None);
                self.r.bind_const(c.name.id.as_str(), None);
                self.body(&c.body, true);
            }
            Stmt::Return(r) => self.opt(r.value.as_deref()),
            Stmt::Delete(d) => self.exprs(d.targets.iter(), Role::Plain),
            Stmt::TypeAlias(t) => {
                self.type_params(t.type_params.as_deref());
                self.expr(&t.value, Role::Plain);
                self.expr(&t.name, Role::Plain);
            }
            Stmt::Assign(a) => {
                self.expr(&a.value, Role::Plain);
                self.exprs(a.targets.iter(), Role::Plain);
                for t in &a.targets {
                    self.assign(t, &a.value);
                }
            }
            Stmt::AugAssign(a) => {
                self.expr(&a.value, Role::Plain);
                self.expr(&a.target, Role::Plain);
                if let Expr::Name(n) = a.target.as_ref() {
                    let l = self.r.constant(n.id.as_str()).cloned();
                    let v = match (l, self.fold(&a.value)) {
                        (Some(l), Some(r)) => super::strings::fold_binop(l, a.op, r),
                        _ => None,
                    };
                    self.r.bind(n.id.as_str(), None);
                    self.r.bind_const(n.id.as_str(), v);
                } else {
                    self.bind_target(&a.target);
                }
            }
            Stmt::AnnAssign(a) => {
                self.expr(&a.annotation, Role::Plain);
                self.opt(a.value.as_deref());
                self.expr(&a.target, Role::Plain);
                match &a.value {
                    Some(v) => self.assign(&a.target, v),
                    None => self.bind_target(&a.target),
                }
            }
            Stmt::For(f) => {
                self.expr(&f.iter, Role::Plain);
                self.expr(&f.target, Role::Plain);
                self.bind_target(&f.target);
                self.branch(1);
                self.body(&f.body, true);
                self.body(&f.orelse, true);
            }
            Stmt::While(w) => {
                self.expr(&w.test, Role::Plain);
                self.branch(1);
                if is_const_true(&w.test) && !loop_can_exit(&w.body) {
                    let at = self.loc(w.range());
                    self.facts.complexity.infinite_loops.push(at);
                }
                self.body(&w.body, true);
                self.body(&w.orelse, true);
            }
            Stmt::If(i) => {
                self.expr(&i.test, Role::Plain);
                self.branch(1);
                self.body(&i.body, true);
                for c in &i.elif_else_clauses {
                    if let Some(t) = &c.test {
                        self.branch(1);
                        self.expr(t, Role::Plain);
                    }
                    self.body(&c.body, true);
                }
            }
            Stmt::With(w) => {
                for item in &w.items {
                    self.expr(&item.context_expr, Role::Plain);
                    if let Some(v) = &item.optional_vars {
                        self.expr(v, Role::Plain);
                        self.bind_target(v);
                    }
                }
                self.body(&w.body, true);
            }
            Stmt::Match(m) => {
                self.expr(&m.subject, Role::Plain);
                for c in &m.cases {
                    self.branch(1);
                    self.pattern(&c.pattern);
                    self.opt(c.guard.as_deref());
                    self.body(&c.body, true);
                }
            }
            Stmt::Raise(r) => {
                self.opt(r.exc.as_deref());
                self.opt(r.cause.as_deref());
            }
            Stmt::Try(t) => {
                self.body(&t.body, true);
                for h in &t.handlers {
                    let ExceptHandler::ExceptHandler(h) = h;
                    self.branch(1);
                    self.opt(h.type_.as_deref());
                    if let Some(n) = &h.name {
                        self.r.bind(n.id.as_str(), None);
                    }
                    self.body(&h.body, true);
                }
                self.body(&t.orelse, true);
                self.body(&t.finalbody, true);
            }
            Stmt::Assert(a) => {
                self.expr(&a.test, Role::Plain);
                self.opt(a.msg.as_deref());
            }
            Stmt::Import(i) => imports::import_stmt(self, i),
            Stmt::ImportFrom(i) => imports::import_from(self, i),
            Stmt::Global(_)
            | Stmt::Nonlocal(_)
            | Stmt::Expr(_)
            | Stmt::Pass(_)
            | Stmt::Break(_)
            | Stmt::Continue(_)
            | Stmt::IpyEscapeCommand(_) => {
                if let Stmt::Expr(e) = s {
                    self.expr(&e.value, Role::Plain);
                }
            }
        }
        self.leave();
    }

    fn pattern(&mut self, p: &Pattern) {
        if !self.enter(p.range()) {
            return;
        }
        match p {
            Pattern::MatchValue(v) => self.expr(&v.value, Role::Plain),
            Pattern::MatchSingleton(_) => {}
            Pattern::MatchSequence(s) => s.patterns.iter().for_each(|p| self.pattern(p)),
            Pattern::MatchMapping(m) => {
                self.exprs(m.keys.iter(), Role::Plain);
                m.patterns.iter().for_each(|p| self.pattern(p));
                if let Some(r) = &m.rest {
                    self.r.bind(r.id.as_str(), None);
                }
            }
            Pattern::MatchClass(c) => {
                self.expr(&c.cls, Role::Plain);
                c.arguments.patterns.iter().for_each(|p| self.pattern(p));
                c.arguments
                    .keywords
                    .iter()
                    .for_each(|k| self.pattern(&k.pattern));
            }
            Pattern::MatchStar(s) => {
                if let Some(n) = &s.name {
                    self.r.bind(n.id.as_str(), None);
                }
            }
            Pattern::MatchAs(a) => {
                if let Some(p) = &a.pattern {
                    self.pattern(p);
                }
                if let Some(n) = &a.name {
                    self.r.bind(n.id.as_str(), None);
                }
            }
            Pattern::MatchOr(o) => o.patterns.iter().for_each(|p| self.pattern(p)),
        }
        self.leave();
    }

    fn comprehensions(&mut self, gens: &[Comprehension]) {
        for g in gens {
            self.expr(&g.iter, Role::Plain);
            self.expr(&g.target, Role::Plain);
            self.bind_target(&g.target);
            self.branch(1 + g.ifs.len() as u32);
            self.exprs(g.ifs.iter(), Role::Plain);
        }
    }

    fn interpolations(&mut self, elements: &InterpolatedStringElements) {
        for el in elements.iter() {
            if let InterpolatedStringElement::Interpolation(i) = el {
                self.expr(&i.expression, Role::Plain);
                if let Some(spec) = &i.format_spec {
                    self.interpolations(&spec.elements);
                }
            }
        }
    }

    /// Reports `e` as a computed string or a bomb when it is one (outermost node only).
    fn strings_and_bombs(&mut self, e: &Expr) -> (bool, bool) {
        let candidate = match e {
            Expr::BinOp(_) | Expr::Call(_) | Expr::Subscript(_) => true,
            Expr::FString(f) => f.value.f_strings().any(|fs| {
                fs.elements
                    .iter()
                    .any(|el| matches!(el, InterpolatedStringElement::Interpolation(_)))
            }),
            _ => false,
        };
        let mut folded = false;
        if candidate
            && self.in_folded == 0
            && let Some((v, how)) = fold_how(e, &self.r, &mut self.budget)
        {
            let value = match v {
                Value::Str(s) => Some(s),
                Value::Bytes(b) => String::from_utf8(b).ok(),
                _ => None,
            };
            if let Some(value) = value
                && !matches!(how, "literal" | "variable" | "index" | "arith")
            {
                let loc = self.loc(e.range());
                self.facts.strings.push(ResolvedString {
                    value,
                    how: how.to_string(),
                    loc,
                });
                folded = true;
            }
        }
        let mut bombed = false;
        if self.in_bomb == 0
            && matches!(e, Expr::BinOp(_) | Expr::Call(_))
            && let Some((kind, size)) = bomb(e, &self.r, &mut self.budget)
        {
            let loc = self.loc(e.range());
            self.facts.complexity.bombs.push(Bomb {
                kind: kind.to_string(),
                log10_size: (size * 100.0).round() / 100.0,
                loc,
            });
            bombed = true;
        }
        (folded, bombed)
    }

    pub(crate) fn expr(&mut self, e: &Expr, role: Role) {
        if !self.enter(e.range()) {
            return;
        }
        self.expr_depth += 1;
        let cx = &mut self.facts.complexity;
        cx.max_expression_depth = cx.max_expression_depth.max(self.expr_depth);
        let (folded, bombed) = self.strings_and_bombs(e);
        self.in_folded += u32::from(folded);
        self.in_bomb += u32::from(bombed);
        match e {
            Expr::Name(n) => names::name_ref(self, n, role),
            Expr::Attribute(a) => {
                attributes::attribute(self, a);
                self.expr(&a.value, Role::Plain);
            }
            Expr::Call(c) => {
                calls::call(self, c);
                self.expr(&c.func, Role::Call);
                self.exprs(c.arguments.args.iter(), Role::Argument);
                for k in c.arguments.keywords.iter() {
                    self.expr(&k.value, Role::Argument);
                }
            }
            Expr::Subscript(s) => {
                attributes::subscript_key(self, s);
                self.expr(&s.value, Role::Plain);
                self.expr(&s.slice, Role::Plain);
            }
            Expr::BoolOp(b) => {
                self.branch(b.values.len().saturating_sub(1) as u32);
                self.exprs(b.values.iter(), Role::Plain);
            }
            Expr::Named(n) => {
                self.expr(&n.value, Role::Plain);
                self.expr(&n.target, Role::Plain);
                self.assign(&n.target, &n.value);
            }
            Expr::BinOp(b) => {
                self.expr(&b.left, Role::Plain);
                self.expr(&b.right, Role::Plain);
            }
            Expr::UnaryOp(u) => self.expr(&u.operand, Role::Plain),
            Expr::Lambda(l) => {
                if let Some(p) = &l.parameters {
                    self.parameters(p);
                    self.bind_parameters(p);
                }
                self.expr(&l.body, Role::Plain);
            }
            Expr::If(i) => {
                self.branch(1);
                self.expr(&i.test, Role::Plain);
                self.expr(&i.body, Role::Plain);
                self.expr(&i.orelse, Role::Plain);
            }
            Expr::Dict(d) => {
                self.collection(d.items.len());
                for item in &d.items {
                    self.opt(item.key.as_ref());
                    self.expr(&item.value, Role::Plain);
                }
            }
            Expr::Set(s) => {
                self.collection(s.elts.len());
                self.exprs(s.elts.iter(), Role::Plain);
            }
            Expr::List(l) => {
                self.collection(l.elts.len());
                self.exprs(l.elts.iter(), Role::Plain);
            }
            Expr::Tuple(t) => {
                self.collection(t.elts.len());
                self.exprs(t.elts.iter(), Role::Plain);
            }
            Expr::ListComp(c) => {
                self.comprehensions(&c.generators);
                self.expr(&c.elt, Role::Plain);
            }
            Expr::SetComp(c) => {
                self.comprehensions(&c.generators);
                self.expr(&c.elt, Role::Plain);
            }
            Expr::Generator(c) => {
                self.comprehensions(&c.generators);
                self.expr(&c.elt, Role::Plain);
            }
            Expr::DictComp(c) => {
                self.comprehensions(&c.generators);
                self.opt(c.key.as_deref());
                self.expr(&c.value, Role::Plain);
            }
            Expr::Await(a) => self.expr(&a.value, Role::Plain),
            Expr::Yield(y) => self.opt(y.value.as_deref()),
            Expr::YieldFrom(y) => self.expr(&y.value, Role::Plain),
            Expr::Compare(c) => {
                self.expr(&c.left, Role::Plain);
                self.exprs(c.comparators.iter(), Role::Plain);
            }
            Expr::FString(f) => {
                let mut len = 0;
                for part in f.value.iter() {
                    match part {
                        ruff_python_ast::FStringPart::Literal(l) => len += l.value.len(),
                        ruff_python_ast::FStringPart::FString(fs) => {
                            self.interpolations(&fs.elements)
                        }
                    }
                }
                self.literal(len);
            }
            Expr::TString(t) => {
                for ts in t.value.iter() {
                    self.interpolations(&ts.elements);
                }
            }
            Expr::StringLiteral(s) => {
                let v = s.value.to_str();
                self.literal(v.len());
                if self.in_folded == 0 && attributes::is_dunder(v) {
                    let loc = self.loc(s.range());
                    self.facts.strings.push(ResolvedString {
                        value: v.to_string(),
                        how: "literal".into(),
                        loc,
                    });
                }
            }
            Expr::BytesLiteral(b) => self.literal(b.value.len()),
            Expr::Starred(s) => self.expr(&s.value, role),
            Expr::Slice(s) => {
                self.opt(s.lower.as_deref());
                self.opt(s.upper.as_deref());
                self.opt(s.step.as_deref());
            }
            Expr::NumberLiteral(_)
            | Expr::BooleanLiteral(_)
            | Expr::NoneLiteral(_)
            | Expr::EllipsisLiteral(_)
            | Expr::IpyEscapeCommand(_) => {}
        }
        self.in_folded -= u32::from(folded);
        self.in_bomb -= u32::from(bombed);
        self.expr_depth -= 1;
        self.leave();
    }

    fn literal(&mut self, len: usize) {
        let cx = &mut self.facts.complexity;
        cx.max_literal_bytes = cx.max_literal_bytes.max(len as u64);
    }

    fn collection(&mut self, n: usize) {
        let cx = &mut self.facts.complexity;
        cx.max_collection_items = cx.max_collection_items.max(n as u64);
    }
}

/// `ExprContext` as the facts document spells it.
pub(crate) fn context_str(ctx: ExprContext) -> &'static str {
    match ctx {
        ExprContext::Store => "store",
        ExprContext::Del => "del",
        ExprContext::Load | ExprContext::Invalid => "load",
    }
}
