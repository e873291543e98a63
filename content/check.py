#!/usr/bin/env python3
"""Validates the knowledge-base content against content/README.md.

Usage: python3 content/check.py [CONTENT_DIR]
Prints one line per problem and exits 1 if there is any; prints a summary and exits 0 otherwise.
"""

import re
import sys
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

LANGS = ("en", "zh-HK")
SECTIONS = ("home", "things-to-know", "use-cases", "faq", "about", "guides", "terms")
KINDS = ("page", "slides", "faq")
FENCE_LANGS = {"json", "http", "bash", "python", "javascript", "java", "csharp"}
REQUIRED = {"title": str, "section": str, "slug": str, "lang": str, "order": int, "summary": str}
OPTIONAL = {"tags": list, "kind": str}
MIN_FAQ_QUESTIONS = 40
SLUG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
ASCII_PUNCT = set("!\"#$%&'()*+,./:;<=>?@[\\]^`{|}~")
LINK_RE = re.compile(r"(!?)\[((?:[^\[\]]|\[[^\]]*\])*)\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
FOOTREF_RE = re.compile(r"\[\^([^\]]+)\](?!:)")
FOOTDEF_RE = re.compile(r"^\[\^([^\]]+)\]:", re.M)

problems = []


def problem(path, msg):
    problems.append(f"{path}: {msg}")


def anchor(heading_text):
    """Heading anchor per README: plain text, lowercase, drop ASCII punctuation but - and _, spaces to -."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading_text)  # links -> their text
    text = text.replace("`", "")
    text = text.lower()
    text = "".join(c for c in text if c not in ASCII_PUNCT)
    return text.replace(" ", "-")


def strip_code_spans(line):
    return re.sub(r"(`+)(.+?)\1", lambda m: " " * len(m.group(0)), line)


class Page:
    def __init__(self, root, path):
        self.path = path
        rel = path.relative_to(root)
        self.lang, self.section = rel.parts[0], rel.parts[1]
        self.slug = path.stem
        self.fm = {}
        self.body_lines = []  # (lineno, text) outside fenced code
        self.headings = []  # (lineno, level, text)
        self.anchors = set()
        self.raw_body = ""
        self.parse()

    def parse(self):
        text = self.path.read_text(encoding="utf-8")
        lines = text.split("\n")
        if not lines or lines[0] != "+++":
            problem(self.path, "first line must be +++")
            return
        try:
            end = lines.index("+++", 1)
        except ValueError:
            problem(self.path, "front matter is not closed by a +++ line")
            return
        try:
            self.fm = tomllib.loads("\n".join(lines[1:end]))
        except tomllib.TOMLDecodeError as e:
            problem(self.path, f"front matter is not valid TOML: {e}")
            return
        body = lines[end + 1:]
        self.raw_body = "\n".join(body)
        in_fence = False
        fence_marker = ""
        for i, line in enumerate(body, start=end + 2):
            stripped = line.strip()
            if not in_fence:
                m = re.match(r"^(```+|~~~+)(.*)$", stripped)
                if m:
                    in_fence = True
                    fence_marker = m.group(1)
                    lang = m.group(2).strip()
                    if lang not in FENCE_LANGS:
                        problem(self.path, f"line {i}: code fence language {lang!r} not allowed "
                                           f"(use one of {sorted(FENCE_LANGS)})")
                    continue
                self.body_lines.append((i, line))
                h = re.match(r"^(#{1,6})\s+(.*?)\s*#*\s*$", line)
                if h:
                    self.headings.append((i, len(h.group(1)), h.group(2)))
            else:
                if stripped.startswith(fence_marker) and stripped.strip(fence_marker[0]) == "":
                    in_fence = False
        if in_fence:
            problem(self.path, "unclosed code fence")
        for i, level, htext in self.headings:
            a = anchor(htext)
            if a in self.anchors:
                problem(self.path, f"line {i}: duplicate heading anchor #{a}")
            self.anchors.add(a)

    @property
    def kind(self):
        return self.fm.get("kind", "page")


def check_front_matter(p):
    fm = p.fm
    if not fm:
        return
    for key, typ in REQUIRED.items():
        if key not in fm:
            problem(p.path, f"front matter: missing {key}")
        elif not isinstance(fm[key], typ) or (typ is int and isinstance(fm[key], bool)):
            problem(p.path, f"front matter: {key} must be a {typ.__name__}")
    for key, typ in OPTIONAL.items():
        if key in fm and not isinstance(fm[key], typ):
            problem(p.path, f"front matter: {key} must be a {typ.__name__}")
    for key in fm:
        if key not in REQUIRED and key not in OPTIONAL:
            problem(p.path, f"front matter: unknown key {key}")
    if "tags" in fm and isinstance(fm["tags"], list):
        if not all(isinstance(t, str) and t.strip() for t in fm["tags"]):
            problem(p.path, "front matter: tags must be non-empty strings")
    if fm.get("section") != p.section:
        problem(p.path, f"front matter: section {fm.get('section')!r} does not match folder {p.section!r}")
    if fm.get("slug") != p.slug:
        problem(p.path, f"front matter: slug {fm.get('slug')!r} does not match file name {p.slug!r}")
    if fm.get("lang") != p.lang:
        problem(p.path, f"front matter: lang {fm.get('lang')!r} does not match folder {p.lang!r}")
    if p.kind not in KINDS:
        problem(p.path, f"front matter: kind must be one of {KINDS}")
    for key in ("title", "summary"):
        v = fm.get(key)
        if isinstance(v, str) and (not v.strip() or "\n" in v):
            problem(p.path, f"front matter: {key} must be one non-empty line")
    s = fm.get("summary")
    if isinstance(s, str) and re.search(r"[`*\[\]]", s):
        problem(p.path, "front matter: summary must be plain text")


def sentences(text, lang):
    text = re.sub(r"`[^`]*`", "X", text)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"\b(e\.g|i\.e|etc|vs|approx|No)\.", r"\1", text)
    text = re.sub(r"(\d)\.(\d)", r"\1\2", text)
    if lang == "en":
        parts = re.split(r"(?<=[.!?])\s+", text.strip())
    else:
        parts = re.split(r"(?<=[。！？])", text.strip())
    return [s for s in parts if s.strip()]


def check_body(p):
    if any(level == 1 for _, level, _ in p.headings):
        problem(p.path, "no '# ' headings in the body; the title comes from front matter")
    for i, line in p.body_lines:
        code_free = strip_code_spans(line)
        if re.search(r"https?://", LINK_RE.sub("", code_free)):
            problem(p.path, f"line {i}: bare URL; write it as a markdown link [text](https://...)")
        if re.search(r"</?[A-Za-z!][^>]*>", code_free):
            problem(p.path, f"line {i}: raw HTML or an angle-bracket placeholder outside code: {line.strip()[:60]}")
    text = "\n".join(strip_code_spans(l) for _, l in p.body_lines)
    refs = set(FOOTREF_RE.findall(text))
    defs = set(FOOTDEF_RE.findall(text))
    for r in refs - defs:
        problem(p.path, f"footnote [^{r}] has no definition")
    for d in defs - refs:
        problem(p.path, f"footnote [^{d}] is defined but never used")

    if p.kind == "slides":
        check_slides(p)
    if p.kind == "faq":
        for i, level, htext in p.headings:
            if level != 2:
                problem(p.path, f"line {i}: faq pages use only '## ' question headings")
            elif not (htext.endswith("?") or htext.endswith("？")):
                problem(p.path, f"line {i}: faq question must end with ? or ？: {htext}")
    if p.kind == "page":
        for i, level, htext in p.headings:
            if level > 4:
                problem(p.path, f"line {i}: heading too deep")


def check_slides(p):
    lines = [(i, l) for i, l in p.body_lines]
    first = next(((i, l) for i, l in lines if l.strip()), None)
    if not first or not first[1].startswith("## "):
        problem(p.path, "slides: the body must start with a '## ' heading")
    slides = []
    for i, l in lines:
        if l.startswith("## "):
            slides.append([i, l[3:].strip(), []])
        elif l.startswith("#"):
            problem(p.path, f"line {i}: slides may only use '## ' headings")
        elif slides:
            slides[-1][2].append(l)
    if len(slides) < 2:
        problem(p.path, "slides: a deck needs at least two slides")
    for i, title, body in slides:
        text = "\n".join(body)
        images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
        if len(images) != 1:
            problem(p.path, f"line {i}: slide '{title}' must have exactly one image (has {len(images)})")
        for img in images:
            if not re.match(r"^/assets/use-cases/[a-z0-9-]+\.svg$", img):
                problem(p.path, f"line {i}: slide image must be /assets/use-cases/<name>.svg: {img}")
        prose = re.sub(r"!\[[^\]]*\]\([^)]+\)", "", text)
        n = len(sentences(prose, p.lang))
        if not 2 <= n <= 4:
            problem(p.path, f"line {i}: slide '{title}' has {n} sentences (want 2-4)")


def check_links(p, pages, root):
    for i, line in p.body_lines:
        for m in LINK_RE.finditer(strip_code_spans(line)):
            is_img, target = m.group(1) == "!", m.group(3)
            if is_img:
                if not target.startswith("/assets/"):
                    problem(p.path, f"line {i}: image must be under /assets/: {target}")
                elif not (root / target.lstrip("/")).is_file():
                    problem(p.path, f"line {i}: image not found: {target}")
                if not m.group(2).strip():
                    problem(p.path, f"line {i}: image needs alt text")
                continue
            if target.startswith("https://"):
                continue
            if re.match(r"^[a-z][a-z0-9+.-]*:", target):
                problem(p.path, f"line {i}: external links must use https://: {target}")
                continue
            if target.startswith("#"):
                if target[1:] not in p.anchors:
                    problem(p.path, f"line {i}: anchor not found on this page: {target}")
                continue
            if not target.startswith("/"):
                problem(p.path, f"line {i}: internal links must be absolute site paths: {target}")
                continue
            path, _, frag = target.partition("#")
            m2 = re.match(r"^/([a-z-]+)/([a-z0-9-]+)$", path)
            if not m2:
                problem(p.path, f"line {i}: internal link is not /<section>/<slug>: {target}")
                continue
            dest = pages.get((p.lang, m2.group(1), m2.group(2)))
            if not dest:
                problem(p.path, f"line {i}: broken internal link: {target}")
                continue
            if frag:
                if frag not in dest.anchors:
                    problem(p.path, f"line {i}: anchor #{frag} not found in {dest.path.name} ({p.lang})")
                elif not re.match(r"^[a-z0-9\-\u4e00-\u9fff\u3400-\u4dbf]+$", frag):
                    problem(p.path, f"line {i}: linked anchor uses characters a renderer may treat "
                                    f"differently: #{frag}")


def check_assets(root, used):
    for svg in sorted((root / "assets").rglob("*.svg")):
        try:
            tree = ET.parse(svg)
        except ET.ParseError as e:
            problem(svg, f"not well-formed XML: {e}")
            continue
        el = tree.getroot()
        if not el.get("viewBox"):
            problem(svg, "svg needs a viewBox")
        elif el.get("viewBox").split()[2] != "640":
            problem(svg, "svg viewBox should be 640 wide")
        if tree.find(".//{http://www.w3.org/2000/svg}script") is not None:
            problem(svg, "svg must not contain scripts")
        rel = "/" + str(svg.relative_to(root))
        if rel not in used:
            problem(svg, "asset is not used by any page")


def main():
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent
    pages = {}
    for lang in LANGS:
        base = root / lang
        if not base.is_dir():
            problem(base, "language folder missing")
            continue
        for path in sorted(base.rglob("*")):
            if path.is_dir():
                continue
            rel = path.relative_to(root)
            if path.suffix != ".md" or len(rel.parts) != 3:
                problem(path, "unexpected file; pages live at <lang>/<section>/<slug>.md")
                continue
            if rel.parts[1] not in SECTIONS:
                problem(path, f"unknown section {rel.parts[1]!r}")
            if not SLUG_RE.match(path.stem):
                problem(path, "slug must be lowercase ASCII words joined by '-'")
            page = Page(root, path)
            pages[(page.lang, page.section, page.slug)] = page
    for p in pages.values():
        check_front_matter(p)
        check_body(p)
    # Both languages, same order and kind.
    keys = {(s, g) for (_, s, g) in pages}
    for s, g in sorted(keys):
        present = [l for l in LANGS if (l, s, g) in pages]
        if len(present) != len(LANGS):
            missing = [l for l in LANGS if l not in present]
            problem(root / present[0] / s / f"{g}.md", f"missing translation(s): {', '.join(missing)}")
            continue
        en, zh = (pages[(l, s, g)] for l in LANGS)
        if en.fm.get("order") != zh.fm.get("order"):
            problem(zh.path, "order differs from the English page")
        if en.kind != zh.kind:
            problem(zh.path, "kind differs from the English page")
    # Unique order per section and language.
    seen = {}
    for (l, s, g), p in pages.items():
        key = (l, s, p.fm.get("order"))
        if key in seen:
            problem(p.path, f"order {key[2]} already used by {seen[key]}")
        seen[key] = g
    used_assets = set()
    for p in pages.values():
        check_links(p, pages, root)
        for _, line in p.body_lines:
            for m in LINK_RE.finditer(strip_code_spans(line)):
                if m.group(1) == "!":
                    used_assets.add(m.group(3))
    check_assets(root, used_assets)
    counts = {}
    for lang in LANGS:
        n = sum(sum(1 for _, lvl, _ in p.headings if lvl == 2)
                for (l, s, _), p in pages.items() if l == lang and p.kind == "faq")
        counts[lang] = n
        if n < MIN_FAQ_QUESTIONS:
            problem(root / lang / "faq", f"only {n} FAQ questions (need at least {MIN_FAQ_QUESTIONS})")

    if problems:
        for line in problems:
            print(line)
        print(f"\n{len(problems)} problem(s)")
        return 1
    for lang in LANGS:
        n_pages = sum(1 for (l, _, _) in pages if l == lang)
        print(f"{lang}: {n_pages} pages, {counts[lang]} FAQ questions")
    print(f"assets: {len(used_assets)} images used")
    print("content OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
