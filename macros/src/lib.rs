//! `#[weft::main]` and `#[weft::test]`: write `async fn main` or an `async fn` test and
//! have it run on a fresh weft runtime.
//!
//! Both accept optional settings, tokio's names: the runtime `flavor`
//! (`"multi_thread"`, the default, or `"current_thread"`) and settings passed on to
//! `weft::Builder`: `#[weft::main(worker_threads = 4)]`,
//! `#[weft::test(flavor = "current_thread")]`.
//!
//! Written against the compiler's own `proc_macro` API only: the transformation is small
//! (drop `async`, wrap the body in `block_on`), so it does not need a parser crate.
#![deny(unsafe_op_in_unsafe_fn)]

use proc_macro::{Delimiter, Group, Ident, Literal, Punct, Spacing, Span, TokenStream, TokenTree};

/// Runs `async fn main` on a new weft runtime and shuts the runtime down when it returns.
///
/// ```
/// #[weft::main]
/// async fn main() {
///     let h = weft::spawn(async { 1 + 1 });
///     assert_eq!(h.await.unwrap(), 2);
/// }
/// ```
///
/// The function keeps its name, visibility and return type; only `async` goes. So any
/// `async fn` may carry it, not only `main`: each call builds a runtime, blocks on the
/// body and drops the runtime.
///
/// ```
/// #[weft::main(worker_threads = 2)]
/// async fn answer() -> u32 {
///     weft::spawn(async { 42 }).await.unwrap()
/// }
///
/// assert_eq!(answer(), 42);
/// ```
///
/// # Settings
///
/// `name = value` pairs separated by commas, each at most once:
///
/// - `flavor = "multi_thread"` (the default) or `flavor = "current_thread"`, as tokio
///   spells them. For now `"current_thread"` builds a runtime with one worker thread:
///   weft's current-thread runtime (whose only worker is the thread that calls
///   `block_on`) is not there yet, and the attribute will switch to it when it is.
/// - `worker_threads` and `event_interval`, each passed to the `weft::Builder` method of
///   that name. A value is one token (a literal, a name or a parenthesised expression).
///   `worker_threads` needs the multi-thread flavour.
///
/// A runtime that cannot start panics with "weft: could not build the runtime" and the
/// builder's error.
///
/// ```
/// #[weft::main(flavor = "current_thread")]
/// async fn one_worker() -> usize {
///     weft::Handle::current().metrics().num_workers()
/// }
///
/// assert_eq!(one_worker(), 1);
/// ```
///
/// # Compile errors
///
/// Each mistake is one error at the token that caused it. These examples are checked to
/// fail to compile.
///
/// "`#[weft::main]` goes on an `async fn`": the item is not a function.
///
/// ```compile_fail
/// #[weft::main]
/// struct Server;
/// # fn main() {}
/// ```
///
/// "expected a function body: `{ ... }`":
///
/// ```compile_fail
/// #[weft::main]
/// async fn serve();
/// # fn main() {}
/// ```
///
/// "the function must be `async fn`: weft runs it to completion":
///
/// ```compile_fail
/// #[weft::main]
/// fn main() {}
/// ```
///
/// "expected a setting name":
///
/// ```compile_fail
/// #[weft::main(4)]
/// async fn main() {}
/// ```
///
/// "unknown setting `threads`; supported: flavor, worker_threads, event_interval":
///
/// ```compile_fail
/// #[weft::main(threads = 4)]
/// async fn main() {}
/// ```
///
/// "expected `worker_threads = value`":
///
/// ```compile_fail
/// #[weft::main(worker_threads: 4)]
/// async fn main() {}
/// ```
///
/// "`worker_threads` needs a value":
///
/// ```compile_fail
/// #[weft::main(worker_threads =)]
/// async fn main() {}
/// ```
///
/// "`worker_threads` must be at least 1" (likewise `event_interval`):
///
/// ```compile_fail
/// #[weft::main(worker_threads = 0)]
/// async fn main() {}
/// ```
///
/// "expected `,` between settings":
///
/// ```compile_fail
/// #[weft::main(worker_threads = 2 event_interval = 31)]
/// async fn main() {}
/// ```
///
/// "duplicate setting `worker_threads`" (at the second one):
///
/// ```compile_fail
/// #[weft::main(worker_threads = 2, worker_threads = 4)]
/// async fn main() {}
/// ```
///
/// "unknown flavor \"single\"; expected \"current_thread\" or \"multi_thread\"":
///
/// ```compile_fail
/// #[weft::main(flavor = "single")]
/// async fn main() {}
/// ```
///
/// "`flavor` takes a string: \"current_thread\" or \"multi_thread\"":
///
/// ```compile_fail
/// #[weft::main(flavor = current_thread)]
/// async fn main() {}
/// ```
///
/// "`worker_threads` needs `flavor = \"multi_thread\"`: a current-thread runtime's only
/// worker is the thread that runs the function":
///
/// ```compile_fail
/// #[weft::main(flavor = "current_thread", worker_threads = 2)]
/// async fn main() {}
/// ```
#[proc_macro_attribute]
pub fn main(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(args, item, false)
}

/// Runs an `async fn` test on a new weft runtime (one per test).
///
/// ```
/// #[weft::test]
/// async fn adds() {
///     assert_eq!(weft::spawn(async { 2 }).await.unwrap(), 2);
/// }
/// ```
///
/// It takes the settings of [`macro@main`] (`#[weft::test(worker_threads = 1)]`,
/// `#[weft::test(flavor = "current_thread")]`) and reports the same compile errors, plus
/// one of its own.
///
/// ```
/// #[weft::test(flavor = "current_thread")]
/// async fn on_one_worker() {
///     assert_eq!(weft::Handle::current().metrics().num_workers(), 1);
/// }
/// ```
///
/// # Compile errors
///
/// "test functions take no arguments":
///
/// ```compile_fail
/// #[weft::test]
/// async fn takes_a_port(port: u16) {}
/// # fn main() {}
/// ```
///
/// "`#[weft::test]` goes on an `async fn`":
///
/// ```compile_fail
/// #[weft::test]
/// const LIMIT: u32 = 3;
/// # fn main() {}
/// ```
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(args, item, true)
}

/// `weft::select!`'s helper (not for direct use): turns a branch's pattern into one that
/// tests a *borrowed* output, by dropping its binding modifiers (`mut`, `ref`) and its
/// reference patterns (`&`), so that `match &output { probe => .. }` type-checks under
/// match ergonomics in every edition. `select!` matches the probe inside its poll to
/// decide whether a completed branch's output fits its pattern, without moving the
/// output; the real pattern then binds the moved output in the handler.
#[doc(hidden)]
#[proc_macro]
pub fn select_probe(pattern: TokenStream) -> TokenStream {
    probe(pattern)
}

fn probe(tokens: TokenStream) -> TokenStream {
    let mut out = TokenStream::new();
    for tt in tokens {
        match tt {
            TokenTree::Ident(i) if i.to_string() == "mut" || i.to_string() == "ref" => {}
            TokenTree::Punct(p) if p.as_char() == '&' => {}
            // A pattern forwarded through `macro_rules` arrives wrapped in an invisible
            // group: open it (and any nested one) so its tokens are cleaned too.
            TokenTree::Group(g) if g.delimiter() == Delimiter::None => {
                out.extend(probe(g.stream()));
            }
            TokenTree::Group(g) => {
                let mut cleaned = Group::new(g.delimiter(), probe(g.stream()));
                cleaned.set_span(g.span());
                out.extend([TokenTree::Group(cleaned)]);
            }
            other => out.extend([other]),
        }
    }
    out
}

fn expand(args: TokenStream, item: TokenStream, is_test: bool) -> TokenStream {
    // A bad setting still expands the function (without settings), so the user sees that
    // one error and not also rustc's "`main` function is not allowed to be `async`".
    let (settings, settings_error) = match parse_settings(args) {
        Ok(settings) => (settings, None),
        Err(e) => (Settings::default(), Some(e)),
    };
    let mut out = TokenStream::new();
    if let Some((msg, span)) = settings_error {
        out.extend(compile_error(&msg, span));
    }
    match expand_fn(settings, item.clone(), is_test) {
        Ok(expanded) => out.extend(expanded),
        Err((msg, span)) => {
            out.extend(compile_error(&msg, span));
            // Keep the original item so the user sees one error, not a cascade of
            // "cannot find function" errors at its callers.
            out.extend(item);
        }
    }
    out
}

type Error = (String, Span);

fn expand_fn(settings: Settings, item: TokenStream, is_test: bool) -> Result<TokenStream, Error> {
    let mut tokens: Vec<TokenTree> = item.into_iter().collect();
    let first_span = tokens.first().map_or(Span::call_site(), TokenTree::span);
    let is_ident =
        |t: &TokenTree, name: &str| matches!(t, TokenTree::Ident(i) if i.to_string() == name);
    // Only the item's own tokens are searched: a `fn` or `async` inside its body or
    // signature groups is a single `Group` token here.
    let fn_at = tokens
        .iter()
        .position(|t| is_ident(t, "fn"))
        .ok_or_else(|| {
            let attr = if is_test { "test" } else { "main" };
            (
                format!("`#[weft::{attr}]` goes on an `async fn`"),
                first_span,
            )
        })?;
    let body = match tokens.pop() {
        Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Brace => g,
        other => {
            let span = other.map_or(Span::call_site(), |t| t.span());
            // The error replaces the item: kept, a bodyless fn would add rustc's own
            // "free function without a body" to ours.
            return Ok(compile_error("expected a function body: `{ ... }`", span));
        }
    };
    let async_at = tokens[..fn_at]
        .iter()
        .position(|t| is_ident(t, "async"))
        .ok_or_else(|| {
            (
                "the function must be `async fn`: weft runs it to completion".to_string(),
                tokens[fn_at].span(),
            )
        })?;
    if let Some(TokenTree::Group(params)) = tokens.get(fn_at + 2) {
        if is_test && !params.stream().is_empty() {
            return Err(("test functions take no arguments".into(), params.span()));
        }
    }
    tokens.remove(async_at);

    let mut out = TokenStream::new();
    if is_test {
        // #[::core::prelude::v1::test]
        out.extend(attr(path(&["core", "prelude", "v1", "test"])));
    }
    out.extend(tokens);

    // { ::weft::Builder::new[_current_thread]()<settings>.build().expect("...")
    //       .block_on(async move <body>) }
    let constructor = if settings.current_thread {
        "new_current_thread"
    } else {
        "new"
    };
    let mut call = path(&["weft", "Builder", constructor]);
    call.push(group(Delimiter::Parenthesis, TokenStream::new()));
    let builder = settings.builder;
    for (name, value) in builder {
        call.push(TokenTree::Punct(Punct::new('.', Spacing::Alone)));
        call.push(TokenTree::Ident(Ident::new(&name, Span::call_site())));
        call.push(group(Delimiter::Parenthesis, TokenStream::from(value)));
    }
    for (method, arg) in [
        ("build", None),
        ("expect", Some("weft: could not build the runtime")),
    ] {
        call.push(TokenTree::Punct(Punct::new('.', Spacing::Alone)));
        call.push(TokenTree::Ident(Ident::new(method, Span::call_site())));
        let arg = arg.map(|a| TokenStream::from(TokenTree::Literal(Literal::string(a))));
        call.push(group(Delimiter::Parenthesis, arg.unwrap_or_default()));
    }
    call.push(TokenTree::Punct(Punct::new('.', Spacing::Alone)));
    call.push(TokenTree::Ident(Ident::new("block_on", Span::call_site())));
    let mut future: Vec<TokenTree> = vec![
        TokenTree::Ident(Ident::new("async", Span::call_site())),
        TokenTree::Ident(Ident::new("move", Span::call_site())),
    ];
    future.push(TokenTree::Group(body));
    call.push(group(Delimiter::Parenthesis, future.into_iter().collect()));
    out.extend([group(Delimiter::Brace, call.into_iter().collect())]);
    Ok(out)
}

/// The settings of one attribute: the runtime flavour and the `Builder` calls.
#[derive(Default)]
struct Settings {
    /// `flavor = "current_thread"`.
    current_thread: bool,
    /// `(method, value)` for each `Builder` setting, in the order written.
    builder: Vec<(String, TokenTree)>,
}

/// Parses `name = value, ...`: `flavor = "..."` and builder settings that take one value.
fn parse_settings(args: TokenStream) -> Result<Settings, Error> {
    const ALLOWED: [&str; 3] = ["flavor", "worker_threads", "event_interval"];
    let mut out = Settings::default();
    let mut seen: Vec<String> = Vec::new();
    let mut worker_threads_at = None;
    let mut it = args.into_iter().peekable();
    while let Some(tt) = it.next() {
        let name = match tt {
            TokenTree::Ident(i) => i,
            other => return Err(("expected a setting name".into(), other.span())),
        };
        let key = name.to_string();
        if !ALLOWED.contains(&key.as_str()) {
            return Err((
                format!(
                    "unknown setting `{name}`; supported: {}",
                    ALLOWED.join(", ")
                ),
                name.span(),
            ));
        }
        if seen.contains(&key) {
            return Err((format!("duplicate setting `{name}`"), name.span()));
        }
        seen.push(key.clone());
        match it.next() {
            Some(TokenTree::Punct(p)) if p.as_char() == '=' => {}
            _ => return Err((format!("expected `{name} = value`"), name.span())),
        }
        let value = it
            .next()
            .ok_or_else(|| (format!("`{name}` needs a value"), name.span()))?;
        if key == "flavor" {
            out.current_thread = parse_flavor(&value)?;
        } else {
            // Both are counts that `Builder::build` refuses when zero; say so here, where
            // the user wrote it, rather than in a panic when the function runs.
            if is_zero(&value) {
                return Err((format!("`{name}` must be at least 1"), value.span()));
            }
            if key == "worker_threads" {
                worker_threads_at = Some(name.span());
            }
            out.builder.push((key, value));
        }
        match it.next() {
            None => break,
            Some(TokenTree::Punct(p)) if p.as_char() == ',' => {}
            Some(other) => return Err(("expected `,` between settings".into(), other.span())),
        }
    }
    if let (true, Some(span)) = (out.current_thread, worker_threads_at) {
        return Err((
            "`worker_threads` needs `flavor = \"multi_thread\"`: a current-thread runtime's \
             only worker is the thread that runs the function"
                .into(),
            span,
        ));
    }
    Ok(out)
}

/// `"current_thread"` (true) or `"multi_thread"` (false).
fn parse_flavor(value: &TokenTree) -> Result<bool, Error> {
    let text = match value {
        TokenTree::Literal(lit) => lit.to_string(),
        other => {
            return Err((
                "`flavor` takes a string: \"current_thread\" or \"multi_thread\"".into(),
                other.span(),
            ))
        }
    };
    match text.as_str() {
        "\"current_thread\"" => Ok(true),
        "\"multi_thread\"" => Ok(false),
        _ => Err((
            format!("unknown flavor {text}; expected \"current_thread\" or \"multi_thread\""),
            value.span(),
        )),
    }
}

/// True for an integer literal of value zero (`0`, `0_0`, `0usize`).
fn is_zero(value: &TokenTree) -> bool {
    let TokenTree::Literal(lit) = value else {
        return false;
    };
    let text = lit.to_string();
    let digits_end = text
        .find(|c: char| !(c.is_ascii_digit() || c == '_'))
        .unwrap_or(text.len());
    let (digits, suffix) = text.split_at(digits_end);
    digits.starts_with('0')
        && digits.chars().all(|c| c == '0' || c == '_')
        && (suffix.is_empty() || suffix.starts_with('u') || suffix.starts_with('i'))
}

fn path(segments: &[&str]) -> Vec<TokenTree> {
    let mut out = Vec::new();
    for seg in segments {
        out.push(TokenTree::Punct(Punct::new(':', Spacing::Joint)));
        out.push(TokenTree::Punct(Punct::new(':', Spacing::Alone)));
        out.push(TokenTree::Ident(Ident::new(seg, Span::call_site())));
    }
    out
}

fn group(delimiter: Delimiter, stream: TokenStream) -> TokenTree {
    TokenTree::Group(Group::new(delimiter, stream))
}

fn attr(path: Vec<TokenTree>) -> Vec<TokenTree> {
    vec![
        TokenTree::Punct(Punct::new('#', Spacing::Alone)),
        group(Delimiter::Bracket, path.into_iter().collect()),
    ]
}

fn compile_error(msg: &str, span: Span) -> TokenStream {
    let mut tokens = path(&["core", "compile_error"]);
    tokens.push(TokenTree::Punct(Punct::new('!', Spacing::Alone)));
    let mut lit = TokenTree::Literal(Literal::string(msg));
    lit.set_span(span);
    tokens.push(group(Delimiter::Parenthesis, TokenStream::from(lit)));
    tokens.push(TokenTree::Punct(Punct::new(';', Spacing::Alone)));
    for t in &mut tokens {
        t.set_span(span);
    }
    tokens.into_iter().collect()
}
