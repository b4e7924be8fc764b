#!/usr/bin/env python3
"""Lists the English a program prints without passing it through gettext.

For each call of printf, fprintf, puts or fputs in the C files named, every string literal
among its arguments that still holds a word once the printf conversions and escapes are
taken out, and that is not inside _() or N_(), is printed as FILE:LINE: "literal". Exit
status 1 when there is one. A call whose text holds the comment "not translated" is skipped
(its output is for programs, not people). The C is read approximately: comments, character
constants and strings are skipped while the parentheses are matched.
"""
import re
import sys

CALL = re.compile(r"\b(printf|fprintf|puts|fputs|asprintf)\s*\(")
LITERAL = re.compile(r'"(?:[^"\\\n]|\\.)*"')
CONVERSION = re.compile(r"%[-+ #0']*(\*|\d+)?(\.(\*|\d+))?(hh|h|ll|l|z|j|t|L)?[diouxXeEfgGcsp%]")
ESCAPE = re.compile(r"\\(033\[[0-9;]*[A-Za-z]|[0-7]{1,3}|x[0-9a-fA-F]+|.)")
WORD = re.compile(r"[A-Za-z]{2,}")


def parens(text, start, stop=None):
    """Yields (index, "(" or ")") for the parentheses of text from start (to stop), skipping
    comments, strings and character constants."""
    i, stop = start, len(text) if stop is None else stop
    while i < stop:
        c = text[i]
        if text.startswith("/*", i):
            i = text.index("*/", i) + 2
        elif text.startswith("//", i):
            i = text.index("\n", i)
        elif c in "\"'":
            j = i + 1
            while text[j] != c:
                j += 2 if text[j] == "\\" else 1
            i = j + 1
        else:
            if c in "()":
                yield i, c
            i += 1


def call_end(text, start):
    """Index just past the parenthesis that closes the one before start."""
    depth = 1
    for i, c in parens(text, start):
        depth += 1 if c == "(" else -1
        if depth == 0:
            return i + 1
    return len(text)


def marked(args, pos):
    """Is the literal at pos inside a call of _, N_ or P_ (at any depth)?"""
    stack = []
    for i, c in parens(args, 0, pos):
        if c == "(":
            stack.append(re.search(r"(\w*)\s*$", args[:i]).group(1))
        elif stack:
            stack.pop()
    return any(name in ("_", "N_", "P_", "dgettext") for name in stack)


def main(paths):
    found = 0
    for path in paths:
        text = open(path, encoding="utf-8").read()
        for m in CALL.finditer(text):
            line_start = text.rfind("\n", 0, m.start()) + 1
            if text[line_start:m.start()].lstrip().startswith(("*", "/*", "//")):
                continue
            end = call_end(text, m.end())
            args = text[m.end():end]
            if "not translated" in args:
                continue
            for lit in LITERAL.finditer(args):
                body = ESCAPE.sub(" ", CONVERSION.sub(" ", lit.group()[1:-1]))
                # asprintf also builds paths and keys: a message is words with spaces
                prose = m.group(1) != "asprintf" or " " in lit.group()
                if prose and WORD.search(body) and not marked(args, lit.start()):
                    line = text.count("\n", 0, m.end() + lit.start()) + 1
                    print(f"{path}:{line}: {lit.group()}")
                    found += 1
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
