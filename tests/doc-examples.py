#!/usr/bin/python3
"""Extract the examples of README (its Examples section) and of the man
pages (the .Bd -literal blocks and `.Ql mcle ...` of their EXAMPLES
sections), one per line of JSON: {"where", "text", "transcript"}.

    doc-examples.py SRCDIR

A transcript block ("$ mcle ..." then its output) gives its commands and
the output shown; any other block is a shell script.
"""
import json
import os
import re
import sys


def readme_blocks(path):
    lines = open(path).read().split("\n")
    out, on, cur, start = [], False, [], 0
    for i, line in enumerate(lines):
        if i + 1 < len(lines) and re.fullmatch(r"-{3,}", lines[i + 1]):
            on = line.strip() == "Examples"
        if not on:
            continue
        if line.startswith("    "):
            if not cur:
                start = i + 1
            cur.append(line[4:])
        elif cur:
            out.append(("README:%d" % start, "\n".join(cur)))
            cur = []
    if cur:
        out.append(("README:%d" % start, "\n".join(cur)))
    return out


def unescape(s):
    return s.replace("\\e", "\\").replace("\\&", "").replace("\\-", "-")


def man_blocks(path):
    name = os.path.basename(path)
    out, section, cur, start = [], None, None, 0
    for i, line in enumerate(open(path).read().split("\n"), 1):
        if line.startswith(".Sh "):
            section = line[4:].strip()
            continue
        if section != "EXAMPLES":
            continue
        if cur is not None:
            if line.startswith(".Ed"):
                out.append(("%s:%d" % (name, start), "\n".join(cur)))
                cur = None
            else:
                cur.append(unescape(line))
        elif line.startswith(".Bd -literal"):
            cur, start = [], i + 1
        elif line.startswith(".Ql mcle "):
            text = re.sub(r"( [.,;:])+$", "", line[4:])
            out.append(("%s:%d" % (name, i), unescape(text)))
    return out


def main(src):
    blocks = readme_blocks(os.path.join(src, "README"))
    mandir = os.path.join(src, "man")
    for page in sorted(os.listdir(mandir)):
        if re.fullmatch(r"mcle.*\.[1-9]", page):
            blocks += man_blocks(os.path.join(mandir, page))
    for where, text in blocks:
        lines = text.split("\n")
        transcript = lines[0].startswith("$ ")
        print(json.dumps({"where": where, "text": text, "transcript": transcript}))


if __name__ == "__main__":
    main(sys.argv[1])
