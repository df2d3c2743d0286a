#!/usr/bin/env python3
"""Mutants of the kernel's C sources: the one place that turns a source and
a change into a mutant file, for the hand-written planted bugs (the .mut
specs, read by rig/plants.py) and for the generated mutants of
`scripts/mmrig mutate` (scripts/mutate.py).

A mutant file starts with two lines, a comment naming the original and
where the change came from, and `#line 1 "<original path>"`, so compiler
messages, __FILE__ and the crash reports' source paths (and with them the
signatures) name the original file, not the copy.

The generator reads a C file with a light lexer (comments, strings, char
literals and preprocessor lines are never mutated), finds the function
bodies, and proposes one mutant per operator per site; see OPERATORS. A
mutant's id is `<file>:<function>:<operator>:<hash>`, the hash taken over
the operator and the source lines of the site before and after the change
(white space folded), with `.N` appended for the N-th repeat of the same
change in the same function: an edit elsewhere, even in the same function,
leaves the id alone.

usage: mutants.py FILE...   prints every mutant of each file: id, line:col,
                            the change (the fixture test compares this)
"""
import difflib
import hashlib
import os
import re
import sys

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from rig.fs import atomic_write, write_if_changed  # noqa: E402

HEADER = '/* MUTANT of {rel} from {origin} */\n#line 1 "{path}"\n'


def mutant_text(text, rel, origin, root):
    """The mutant file's contents: the header, then the (changed) source."""
    return HEADER.format(rel=rel, origin=origin, path=os.path.join(root, rel)) + text


def write_mutant(text, rel, origin, root, out, only_if_changed=False):
    """Writes the mutant file; returns whether it wrote. only_if_changed
    keeps an unchanged file's mtime, so a build tree recompiles nothing for
    it (the mutation runner); a build rule wants the file touched anyway."""
    data = mutant_text(text, rel, origin, root)
    if only_if_changed:
        return write_if_changed(out, data)
    atomic_write(out, data)
    return True


# ---------------------------------------------------------------- the lexer

_TOKEN = re.compile(r"""
  (?P<ws>[ \t\r\f\v]+|\n)
| (?P<comment>//[^\n]*|/\*.*?\*/)
| (?P<string>"(?:\\.|[^"\\\n])*")
| (?P<char>'(?:\\.|[^'\\\n])*')
| (?P<number>(?:0[xX][0-9a-fA-F]+|\d+)[uUlL]*\b)
| (?P<ident>[A-Za-z_]\w*)
| (?P<punct><<=|>>=|\.\.\.|->|\+\+|--|<<|>>|<=|>=|==|!=|&&|\|\||[-+*/%&|^]=|[][{}();,.?:~!<>=+\-*/%&|^#])
""", re.S | re.X)


class Tok:
    __slots__ = ("kind", "text", "start", "end")

    def __init__(self, kind, text, start, end):
        self.kind, self.text, self.start, self.end = kind, text, start, end

    def __repr__(self):
        return f"{self.kind}:{self.text}"


def tokens(text):
    """Tokens of C source without white space, comments and preprocessor
    lines (a `#` first on its line, through backslash continuations)."""
    out = []
    pos, line_start = 0, True
    n = len(text)
    while pos < n:
        if line_start and text[pos] == "#":
            while pos < n:
                nl = text.find("\n", pos)
                if nl < 0:
                    pos = n
                elif text[nl - 1] == "\\":
                    pos = nl + 1
                    continue
                else:
                    pos = nl
                break
            continue
        m = _TOKEN.match(text, pos)
        if not m:
            raise ValueError(f"offset {pos}: cannot lex {text[pos:pos + 20]!r}")
        kind = m.lastgroup
        if kind == "ws":
            if m.group() == "\n":
                line_start = True
        elif kind != "comment":
            out.append(Tok(kind, m.group(), m.start(), m.end()))
            line_start = False
        pos = m.end()
    return out


def _matches(toks):
    """Index of the matching bracket for every bracket token."""
    pairs, stack = {}, []
    for i, t in enumerate(toks):
        if t.text in "([{" and t.kind == "punct":
            stack.append(i)
        elif t.text in ")]}" and t.kind == "punct":
            if not stack:
                raise ValueError(f"offset {t.start}: unbalanced {t.text}")
            j = stack.pop()
            pairs[i], pairs[j] = j, i
    if stack:
        raise ValueError(f"offset {toks[stack[-1]].start}: unclosed {toks[stack[-1]].text}")
    return pairs


KEYWORDS = {
    "return", "if", "else", "while", "for", "do", "switch", "case", "default",
    "break", "continue", "goto", "sizeof", "struct", "union", "enum", "static",
    "const", "volatile", "unsigned", "signed", "int", "long", "short", "char",
    "void", "bool", "inline", "extern", "register", "restrict", "typeof",
    "_Alignof", "_Static_assert", "__typeof__",
}
# A statement starting with one of these declares.
TYPE_WORDS = {"struct", "union", "enum", "static", "const", "volatile", "unsigned",
              "signed", "int", "long", "short", "char", "void", "bool", "register"}


def _operand_end(t):
    """Whether t can end an operand, so a following + - & | is binary."""
    return (t.kind in ("number", "string", "char") or t.text in (")", "]")
            or (t.kind == "ident" and t.text not in KEYWORDS))


# ---------------------------------------------------------------- the generator

# Operators in the order a site's mutants are listed.
OPERATORS = {
    "relational": "< <=, > >=, == != swapped (boundary and relation)",
    "logical": "&& || swapped",
    "negate-cond": "an if / while condition inverted",
    "literal": "an integer literal +1 and -1",
    "arithmetic": "+ -, << >> (and += -=, <<= >>=) swapped",
    "flags": "& | (and &= |=) swapped; an operand of | dropped",
    "drop-stmt": "an expression statement (call, assignment, ++/--) dropped",
    "swap-args": "the first two arguments of a call swapped",
    "return": "a return value changed (true/false, 0/-ENOMEM, value/0, pointer/NULL)",
}

_SWAP = {"<": "<=", "<=": "<", ">": ">=", ">=": ">", "==": "!=", "!=": "==",
         "&&": "||", "||": "&&", "+": "-", "-": "+", "+=": "-=", "-=": "+=",
         "<<": ">>", ">>": "<<", "<<=": ">>=", ">>=": "<<=",
         "&": "|", "|": "&", "&=": "|=", "|=": "&="}
_OP_OF = {}
for _k in ("<", "<=", ">", ">=", "==", "!="):
    _OP_OF[_k] = "relational"
for _k in ("&&", "||"):
    _OP_OF[_k] = "logical"
for _k in ("+", "-", "+=", "-=", "<<", ">>", "<<=", ">>="):
    _OP_OF[_k] = "arithmetic"
for _k in ("&", "|", "&=", "|="):
    _OP_OF[_k] = "flags"
_ASSIGN = {"=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=", ">>="}


class Mutant:
    __slots__ = ("id", "file", "func", "op", "start", "end", "repl", "line", "col", "orig")

    def __init__(self, file, func, op, start, end, repl, text):
        self.file, self.func, self.op = file, func, op
        self.start, self.end, self.repl = start, end, repl
        self.orig = text[start:end]
        self.line = text.count("\n", 0, start) + 1
        self.col = start - (text.rfind("\n", 0, start) + 1) + 1
        self.id = None

    def apply(self, text):
        return text[:self.start] + self.repl + text[self.end:]

    def describe(self):
        one = lambda s: " ".join(s.split())  # noqa: E731
        return f"{one(self.orig)!s} -> {one(self.repl)!s}"

    def diff(self, text, rel):
        new = self.apply(text)
        return "".join(difflib.unified_diff(
            text.splitlines(True), new.splitlines(True), f"a/{rel}", f"b/{rel}", n=2))


class _Func:
    def __init__(self, name, ret, lo, hi):
        self.name, self.ret, self.lo, self.hi = name, ret, lo, hi


def _functions(toks, match):
    """Function definitions: a `{` at file level right after a `)`. Other
    file-level braces (struct bodies, initializers) are skipped whole."""
    funcs, i, decl_start = [], 0, 0
    while i < len(toks):
        t = toks[i]
        if t.text == "{" and t.kind == "punct":
            close = match[i]
            if i > 0 and toks[i - 1].text == ")":
                op = match[i - 1]
                name = toks[op - 1].text
                funcs.append(_Func(name, _ret_kind(toks[decl_start:op - 1]), i + 1, close))
            i = close + 1
            if i < len(toks) and toks[i].text != ";" and funcs and funcs[-1].hi == close:
                decl_start = i
            continue
        if t.text == ";":
            decl_start = i + 1
        i += 1
    return funcs


def _ret_kind(decl):
    words = {t.text for t in decl}
    if decl and decl[-1].text == "*":
        return "ptr"
    if "void" in words:
        return "void"
    if "bool" in words:
        return "bool"
    if words & {"unsigned", "size_t", "uintptr_t", "pfn_t", "phys_addr_t", "gfp_t"}:
        return "unsigned"
    if words & {"int", "long", "ssize_t"}:
        return "int"
    return "other"


def _operand_start(toks, match, k):
    """First token of the operand that ends at k (a | b: finds a), or None."""
    if not _operand_end(toks[k]):
        return None
    while True:
        if toks[k].text in (")", "]"):
            k = match[k]
            if k > 0 and (toks[k - 1].kind == "ident" and toks[k - 1].text not in KEYWORDS
                          or toks[k - 1].text in (")", "]")):
                k -= 1
                continue
        if k >= 2 and toks[k - 1].text in ("->", "."):
            k -= 2
            continue
        break
    while k > 0 and (toks[k - 1].text in ("~", "!")
                     or toks[k - 1].text in ("-", "*", "&") and (k < 2 or not _operand_end(toks[k - 2]))):
        k -= 1
    return k


def _operand_stop(toks, match, k, hi):
    """Last token of the operand that starts at k (a | b: finds b), or None."""
    while k < hi and toks[k].text in ("~", "!", "-", "*", "&"):
        k += 1
    if k >= hi:
        return None
    if toks[k].text == "(":
        k = match[k]
    elif toks[k].kind not in ("ident", "number", "string", "char") or toks[k].text in KEYWORDS:
        return None
    while k + 1 < hi:
        nxt = toks[k + 1].text
        if nxt in ("(", "["):
            k = match[k + 1]
        elif nxt in ("->", ".") and k + 2 < hi:
            k += 2
        elif nxt in ("++", "--"):
            k += 1
        else:
            break
    return k


def _literal_variants(text):
    m = re.fullmatch(r"(0[xX][0-9a-fA-F]+|\d+)([uUlL]*)", text)
    digits, suffix = m.groups()
    if len(digits) > 1 and digits[0] == "0" and digits[1] not in "xX":
        return []  # octal: none in kernel/mm, not worth a parser
    v = int(digits, 0)
    fmt = (lambda x: hex(x)) if digits[:2].lower() == "0x" else str
    out = [fmt(v + 1) + suffix]
    if v > 0:
        out.append(fmt(v - 1) + suffix)
    return out


def _statements(toks, match, f):
    """(first, last) token indexes of each statement in the body of f that
    is neither a declaration nor a jump; bodies of if / for / while are
    statements of their own."""
    i = f.lo
    while i < f.hi:
        t = toks[i]
        if t.text in ("{", "}", ";") or t.text in ("else", "do"):
            i += 1
            continue
        if t.text in ("if", "while", "for", "switch") and toks[i + 1].text == "(":
            i = match[i + 1] + 1
            continue
        # A loop macro (list_for_each(pos, head) { ... }): its body holds
        # statements of its own, like a for.
        if t.kind == "ident" and toks[i + 1].text == "(" and toks[match[i + 1] + 1].text == "{":
            i = match[i + 1] + 1
            continue
        if t.text == "case":
            while toks[i].text != ":":
                i = match.get(i, i) + 1
            i += 1
            continue
        if t.kind == "ident" and toks[i + 1].text == ":" and t.text not in KEYWORDS | {"default"} \
                or t.text == "default":
            i += 2
            continue
        j = i
        while toks[j].text != ";":
            j = match[j] + 1 if toks[j].text in ("(", "[", "{") else j + 1
        yield i, j
        i = j + 1


def _is_declaration(toks, i):
    a, b = toks[i], toks[i + 1]
    if a.text in TYPE_WORDS:
        return True
    return a.kind == "ident" and a.text not in KEYWORDS and (
        b.kind == "ident" or b.text == "*" and toks[i + 2].kind == "ident")


def _drop(toks, i, j):
    """An expression statement worth dropping: it assigns or calls."""
    if toks[i].text in ("return", "break", "continue", "goto") or _is_declaration(toks, i):
        return False
    if toks[i].text == "(" and toks[i + 1].text == "void":
        return False
    span = toks[i:j]
    return any(t.text in _ASSIGN or t.text in ("++", "--") for t in span) or any(
        a.kind == "ident" and a.text not in KEYWORDS and b.text == "("
        for a, b in zip(span, span[1:]))


def _call_args(toks, match, open_i):
    """Top-level argument spans (first, last token) of the call whose
    parenthesis is at open_i."""
    close = match[open_i]
    args, k, first = [], open_i + 1, open_i + 1
    while k < close:
        if toks[k].text in ("(", "[", "{"):
            k = match[k]
        elif toks[k].text == ",":
            args.append((first, k - 1))
            first = k + 1
        k += 1
    if first < close:
        args.append((first, close - 1))
    return args


def _site_mutants(text, toks, match, f, errno):
    """Every (op, start, end, replacement) of one function, in source order."""
    out = []
    hi = f.hi
    for i in range(f.lo, hi):
        t = toks[i]
        prev = toks[i - 1]
        op = _OP_OF.get(t.text) if t.kind == "punct" else None
        binary = op and (t.text not in ("+", "-", "&", "|") or _operand_end(prev))
        if binary:
            out.append((op, t.start, t.end, _SWAP[t.text]))
            if t.text == "|":
                ls = _operand_start(toks, match, i - 1)
                re_ = _operand_stop(toks, match, i + 1, hi)
                if ls is not None and re_ is not None:
                    out.append(("flags", toks[ls].start, toks[i + 1].start, ""))
                    out.append(("flags", prev.end, toks[re_].end, ""))
        elif t.kind == "number":
            for v in _literal_variants(t.text):
                out.append(("literal", t.start, t.end, v))
        elif t.text in ("if", "while") and toks[i + 1].text == "(":
            a, b = toks[i + 1], toks[match[i + 1]]
            out.append(("negate-cond", a.start, b.end, "(!" + text[a.start:b.end] + ")"))
        elif t.kind == "ident" and t.text not in KEYWORDS and toks[i + 1].text == "(" \
                and prev.text not in TYPE_WORDS and not (prev.kind == "ident" and prev.text not in KEYWORDS):
            args = _call_args(toks, match, i + 1)
            if len(args) >= 2:
                (a0, a1), (b0, b1) = args[0], args[1]
                x, y = text[toks[a0].start:toks[a1].end], text[toks[b0].start:toks[b1].end]
                if x != y and not ({toks[a0].text, toks[b0].text} & TYPE_WORDS):
                    out.append(("swap-args", toks[a0].start, toks[b1].end,
                                y + text[toks[a1].end:toks[b0].start] + x))
        elif t.text == "return" and toks[i + 1].text != ";":
            k = i + 1
            while toks[k].text != ";":
                k = match[k] + 1 if toks[k].text in ("(", "[", "{") else k + 1
            s, e = toks[i + 1].start, toks[k - 1].end
            expr = text[s:e]
            repl = None
            if expr == "NULL":
                pass  # 0 is NULL; no other pointer is worth guessing
            elif expr in ("true", "false"):
                repl = "false" if expr == "true" else "true"
            elif f.ret == "ptr":
                repl = "NULL"
            elif f.ret == "bool":
                repl = f"!({expr})"
            elif f.ret == "int":
                repl = ("-ENOMEM" if errno else "-1") if expr == "0" else "0"
            elif f.ret in ("unsigned", "other"):
                repl = "1" if expr == "0" else "0"
            if repl is not None:
                out.append(("return", s, e, repl))
    for i, j in _statements(toks, match, f):
        if _drop(toks, i, j):
            out.append(("drop-stmt", toks[i].start, toks[j].end, "(void)0;"))
    order = list(OPERATORS)
    out.sort(key=lambda m: (m[1], order.index(m[0]), m[2], m[3]))
    return out


def _lines_of(text, start, end):
    a = text.rfind("\n", 0, start) + 1
    b = text.find("\n", end)
    return a, len(text) if b < 0 else b


def generate(text, rel, operators=None):
    """Every mutant of the C source text (named rel), in source order."""
    toks = tokens(text)
    match = _matches(toks)
    errno = "errno-base.h" in text
    base = os.path.basename(rel)
    muts = []
    for f in _functions(toks, match):
        seen, results = {}, set()
        for op, s, e, repl in _site_mutants(text, toks, match, f, errno):
            a, b = _lines_of(text, s, e)
            # Two sites can make the same program (`A | B | C` without the
            # B of either `|`; `return 0` as a literal and as a return
            # value): the first in operator order stands for both.
            if (a, b, text[a:s] + repl + text[e:b]) in results:
                continue
            results.add((a, b, text[a:s] + repl + text[e:b]))
            if operators and op not in operators:
                continue
            m = Mutant(rel, f.name, op, s, e, repl, text)
            before = " ".join(text[a:b].split())
            after = " ".join((text[a:s] + repl + text[e:b]).split())
            h = hashlib.sha1(f"{op}\0{before}\0{after}".encode()).hexdigest()[:8]
            key = f"{base}:{f.name}:{op}:{h}"
            n = seen.get(key, 0)
            seen[key] = n + 1
            m.id = key if n == 0 else f"{key}.{n}"
            muts.append(m)
    return muts


def main(argv):
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__.split("usage: ")[1].strip())
        return 0 if argv else 2
    for path in argv:
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
            muts = generate(text, path)
        except (OSError, ValueError) as e:
            print(f"mutants.py: {path}: {e}", file=sys.stderr)
            return 2
        for m in muts:
            print(f"{m.id}\t{m.line}:{m.col}\t{m.describe()}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
