//! Build-time highlighting of fenced code, for the languages the content may use.
//!
//! A small lexer per language family, not a grammar: it finds comments, strings, numbers,
//! keywords and literals (plus JSON keys, HTTP header names and shell variables) and wraps each in
//! `<span class="tok-…">`. The classes, for the stylesheet: `tok-comment`, `tok-string`,
//! `tok-number`, `tok-keyword`, `tok-literal`, `tok-key`, `tok-variable`.
//! Everything else is escaped text. An unknown language is escaped and not highlighted.

/// The fence languages `content/README.md` allows.
pub(crate) const LANGS: &[&str] =
    &["json", "http", "bash", "python", "javascript", "java", "csharp"];

/// Renders a fenced code block: `<pre><code class="language-…">…</code></pre>`.
pub(crate) fn code_block(lang: &str, code: &str) -> String {
    let mut out = String::with_capacity(code.len() * 2 + 48);
    out.push_str("<pre><code");
    if !lang.is_empty() {
        out.push_str(" class=\"language-");
        escape(lang, &mut out);
        out.push('"');
    }
    out.push('>');
    highlight(lang, code, &mut out);
    out.push_str("</code></pre>\n");
    out
}

/// Appends `code`, highlighted as `lang`, to `out`.
pub(crate) fn highlight(lang: &str, code: &str, out: &mut String) {
    match lang {
        "http" => http(code, out),
        _ => match syntax(lang) {
            Some(syntax) => lex(syntax, code, out),
            None => escape(code, out),
        },
    }
}

/// HTML-escapes `text` onto `out`.
pub(crate) fn escape(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
}

struct Syntax {
    /// Starts a comment that runs to the end of the line (`#`, `//`), if any.
    line_comment: &'static str,
    /// `/* … */` comments.
    block_comments: bool,
    /// Characters that open (and close) a string.
    quotes: &'static str,
    /// Python's `'''` and `"""`.
    triple_quotes: bool,
    /// `$NAME` and `${…}` are variables (shell).
    dollar_variables: bool,
    /// A string followed by `:` is an object key (JSON).
    keys: bool,
    keywords: &'static [&'static str],
    literals: &'static [&'static str],
}

fn syntax(lang: &str) -> Option<&'static Syntax> {
    const C_LIKE: Syntax = Syntax {
        line_comment: "//",
        block_comments: true,
        quotes: "\"'",
        triple_quotes: false,
        dollar_variables: false,
        keys: false,
        keywords: &[],
        literals: &["true", "false", "null"],
    };
    static JSON: Syntax = Syntax {
        line_comment: "",
        block_comments: false,
        quotes: "\"",
        keys: true,
        literals: &["true", "false", "null"],
        ..C_LIKE
    };
    static BASH: Syntax = Syntax {
        line_comment: "#",
        block_comments: false,
        dollar_variables: true,
        keywords: &[
            "if", "then", "else", "elif", "fi", "for", "in", "do", "done", "while", "case", "esac",
            "function", "return", "export", "local", "set", "echo",
        ],
        literals: &["true", "false"],
        ..C_LIKE
    };
    static PYTHON: Syntax = Syntax {
        line_comment: "#",
        block_comments: false,
        triple_quotes: true,
        keywords: &[
            "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del",
            "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in",
            "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
            "with", "yield",
        ],
        literals: &["True", "False", "None"],
        ..C_LIKE
    };
    static JAVASCRIPT: Syntax = Syntax {
        quotes: "\"'`",
        keywords: &[
            "async",
            "await",
            "break",
            "case",
            "catch",
            "class",
            "const",
            "continue",
            "default",
            "delete",
            "do",
            "else",
            "export",
            "extends",
            "finally",
            "for",
            "from",
            "function",
            "if",
            "import",
            "in",
            "instanceof",
            "let",
            "new",
            "of",
            "return",
            "static",
            "switch",
            "this",
            "throw",
            "try",
            "typeof",
            "var",
            "void",
            "while",
            "yield",
        ],
        literals: &["true", "false", "null", "undefined", "NaN"],
        ..C_LIKE
    };
    static JAVA: Syntax = Syntax {
        keywords: &[
            "abstract",
            "boolean",
            "break",
            "byte",
            "case",
            "catch",
            "char",
            "class",
            "continue",
            "default",
            "do",
            "double",
            "else",
            "enum",
            "extends",
            "final",
            "finally",
            "float",
            "for",
            "if",
            "implements",
            "import",
            "instanceof",
            "int",
            "interface",
            "long",
            "new",
            "package",
            "private",
            "protected",
            "public",
            "return",
            "short",
            "static",
            "super",
            "switch",
            "this",
            "throw",
            "throws",
            "try",
            "var",
            "void",
            "while",
        ],
        ..C_LIKE
    };
    static CSHARP: Syntax = Syntax {
        keywords: &[
            "abstract",
            "as",
            "async",
            "await",
            "base",
            "bool",
            "break",
            "byte",
            "case",
            "catch",
            "char",
            "class",
            "const",
            "continue",
            "default",
            "do",
            "double",
            "else",
            "enum",
            "false",
            "finally",
            "float",
            "for",
            "foreach",
            "if",
            "in",
            "int",
            "interface",
            "internal",
            "is",
            "long",
            "namespace",
            "new",
            "out",
            "override",
            "private",
            "protected",
            "public",
            "readonly",
            "return",
            "static",
            "string",
            "struct",
            "switch",
            "this",
            "throw",
            "try",
            "using",
            "var",
            "void",
            "while",
        ],
        ..C_LIKE
    };
    Some(match lang {
        "json" => &JSON,
        "bash" => &BASH,
        "python" => &PYTHON,
        "javascript" => &JAVASCRIPT,
        "java" => &JAVA,
        "csharp" => &CSHARP,
        _ => return None,
    })
}

fn span(class: &str, text: &str, out: &mut String) {
    out.push_str("<span class=\"tok-");
    out.push_str(class);
    out.push_str("\">");
    escape(text, out);
    out.push_str("</span>");
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn lex(syn: &Syntax, code: &str, out: &mut String) {
    let mut i = 0;
    while let Some(c) = code[i..].chars().next() {
        let rest = &code[i..];
        let prev = code[..i].chars().next_back();
        let end = if !syn.line_comment.is_empty()
            && rest.starts_with(syn.line_comment)
            && (syn.line_comment != "#" || prev.is_none_or(char::is_whitespace))
        {
            let end = rest.find('\n').unwrap_or(rest.len());
            span("comment", &rest[..end], out);
            end
        } else if syn.block_comments && rest.starts_with("/*") {
            let end = rest[2..].find("*/").map_or(rest.len(), |j| j + 4);
            span("comment", &rest[..end], out);
            end
        } else if syn.quotes.contains(c) {
            let end = string_end(rest, c, syn.triple_quotes);
            let is_key = syn.keys && rest[end..].trim_start().starts_with(':');
            span(if is_key { "key" } else { "string" }, &rest[..end], out);
            end
        } else if syn.dollar_variables
            && c == '$'
            && rest[1..].starts_with(|c: char| (is_ident(c) && !c.is_ascii_digit()) || c == '{')
        {
            let end = if rest[1..].starts_with('{') {
                rest.find('}').map_or(rest.len(), |j| j + 1)
            } else {
                1 + rest[1..].find(|c: char| !is_ident(c)).unwrap_or(rest.len() - 1)
            };
            span("variable", &rest[..end], out);
            end
        } else if is_ident(c) && !prev.is_some_and(is_ident) {
            let end = rest.find(|c: char| !is_ident(c) && c != '.').unwrap_or(rest.len());
            let word = &rest[..end];
            if c.is_ascii_digit() {
                let number = word.bytes().all(|b| b.is_ascii_digit() || b == b'.' || b == b'_')
                    || word.starts_with("0x");
                if number {
                    span("number", word, out);
                } else {
                    escape(word, out);
                }
                end
            } else {
                // Identifiers stop at a dot, and a member (`config.true`) is no keyword.
                let end = word.find('.').unwrap_or(word.len());
                let word = &word[..end];
                if prev == Some('.') {
                    escape(word, out);
                } else if syn.keywords.contains(&word) {
                    span("keyword", word, out);
                } else if syn.literals.contains(&word) {
                    span("literal", word, out);
                } else {
                    escape(word, out);
                }
                end
            }
        } else {
            escape(&rest[..c.len_utf8()], out);
            c.len_utf8()
        };
        i += end;
    }
}

/// The length of the string literal at the start of `rest`, quotes included. An unterminated
/// string ends at the end of the line (or of the code, for triple quotes and template strings).
fn string_end(rest: &str, quote: char, triple_quotes: bool) -> usize {
    let triple: String = [quote; 3].iter().collect();
    if triple_quotes && rest.starts_with(&triple) {
        return rest[3..].find(&triple).map_or(rest.len(), |j| j + 6);
    }
    let mut chars = rest.char_indices().skip(1);
    while let Some((j, c)) = chars.next() {
        if c == '\\' {
            chars.next();
        } else if c == quote {
            return j + 1;
        } else if c == '\n' && quote != '`' {
            return j;
        }
    }
    rest.len()
}

/// HTTP messages: the request or status line, header names, then the body (as JSON when it
/// looks like JSON).
fn http(code: &str, out: &mut String) {
    let mut rest = code;
    let mut first = true;
    while !rest.is_empty() {
        let end = rest.find('\n').map_or(rest.len(), |j| j + 1);
        let (line, after) = rest.split_at(end);
        let content = line.trim_end_matches(['\n', '\r']);
        if content.is_empty() && !first {
            escape(line, out);
            let body = after;
            if body.trim_start().starts_with(['{', '[']) {
                highlight("json", body, out);
            } else {
                escape(body, out);
            }
            return;
        }
        if first {
            status_or_request_line(content, out);
        } else if let Some((name, value)) = content.split_once(':') {
            span("key", name, out);
            out.push(':');
            escape(value, out);
        } else {
            escape(content, out);
        }
        escape(&line[content.len()..], out);
        first = false;
        rest = after;
    }
}

fn status_or_request_line(line: &str, out: &mut String) {
    let (word, tail) = line.split_once(' ').unwrap_or((line, ""));
    if word.starts_with("HTTP/") {
        escape(word, out);
        out.push(' ');
        let (status, reason) = tail.split_once(' ').unwrap_or((tail, ""));
        span("number", status, out);
        if !reason.is_empty() || line.ends_with(' ') {
            out.push(' ');
        }
        escape(reason, out);
    } else if !word.is_empty() && word.bytes().all(|b| b.is_ascii_uppercase()) {
        span("keyword", word, out);
        if line.len() > word.len() {
            out.push(' ');
        }
        escape(tail, out);
    } else {
        escape(line, out);
    }
}
