#!/usr/bin/env python3
"""Finds import cycles between the modules of a Rust crate.

    scripts/module-cycles.py simulator/src [--max-cycles N] [--why] [--allow DIR/ ...]

A module is a file (`a.rs`, `a/mod.rs`); inline modules (`mod tests { .. }`,
`mod server { .. }`) count as part of their file. The crate roots are `lib.rs`,
`main.rs` and `bin/*.rs`; the module tree is read from their `mod x;`
declarations, `#[cfg(..)]` or not. A file uses another when it names it through
`crate::`, `super::`, `self::` or a child module's name (`use x::..` in `lib.rs`),
in a `use` tree or inline; the edge goes to the deepest module with its own file.

Exits 1 and prints every strongly connected group of modules with the simple
cycles inside it (at most --max-cycles per group, 0 for all), 0 with a one-line
summary when there are none. --why adds the line behind each edge of a cycle.
--allow DIR/ accepts a group whose modules all lie in DIR/ (sea-orm's entities name
each other in their relation impls, as the framework requires).
"""

import argparse
import re
import sys
from pathlib import Path

IDENT = re.compile(r"(?:r#)?[A-Za-z_][A-Za-z0-9_]*|\$crate")


def strip(text):
    """The source with comments, strings and char literals blanked (newlines kept)."""
    out = []
    i, n = 0, len(text)

    def blank(s):
        out.append("".join(c if c == "\n" else " " for c in s))

    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            blank(text[i:j])
            i = j
        elif text.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            blank(text[i:j])
            i = j
        elif (m := re.match(r'(?:b|c)?r(#*)"', text[i:i + 260])) and not (
            i and (text[i - 1].isalnum() or text[i - 1] == "_")
        ):
            close = '"' + m.group(1)
            j = text.find(close, i + m.end())
            j = n if j < 0 else j + len(close)
            blank(text[i:j])
            i = j
        elif c == '"' or (c in "bc" and text.startswith('"', i + 1) and not (
            i and (text[i - 1].isalnum() or text[i - 1] == "_")
        )):
            j = i + (1 if c == '"' else 2)
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            blank(text[i:j + 1])
            i = j + 1
        elif c == "'":
            # A char literal ('x', '\n', '\u{..}'), else a lifetime ('a, 'static).
            if text.startswith("\\", i + 1):
                j = text.find("'", i + 3)
                j = n if j < 0 else j + 1
            elif i + 2 < n and text[i + 2] == "'":
                j = i + 3
            else:
                j = i + 1
            blank(text[i:j]) if j > i + 1 else out.append(c)
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


TOKEN = re.compile(r"\s+|::|(?:r#)?[A-Za-z_][A-Za-z0-9_]*|\$crate|.", re.S)


def tokens(code):
    """(text, line) for every token but whitespace."""
    line = 1
    for m in TOKEN.finditer(code):
        t = m.group()
        if not t.isspace():
            yield t, line
        line += t.count("\n")


def is_ident(t):
    return bool(IDENT.fullmatch(t))


def parse_tree(toks, i, prefix):
    """Paths of the (use) tree starting at toks[i]; returns (paths, index after it)."""
    segs = list(prefix)
    while i < len(toks):
        t = toks[i][0]
        if t == "{":
            paths, i = [], i + 1
            while i < len(toks) and toks[i][0] != "}":
                if toks[i][0] == ",":
                    i += 1
                    continue
                sub, i = parse_tree(toks, i, segs)
                paths += sub
                # Skip `as name` and anything else up to the next item.
                while i < len(toks) and toks[i][0] not in ",}":
                    i += 1
            return paths, i + 1
        if t == "*" or not is_ident(t):
            return [segs], i + 1 if t == "*" else i
        segs.append(t.removeprefix("r#"))
        if i + 1 < len(toks) and toks[i + 1][0] == "::" and i + 2 < len(toks) and toks[i + 2][0] != "<":
            i += 2
            continue
        return [segs], i + 1
    return [segs], i


class Module:
    def __init__(self, file, path):
        self.file = file  # relative to src, e.g. "core/store.rs"
        self.path = path  # module path from its crate root, e.g. ("core", "store")


def child_file(src, dir_, name):
    for candidate in (dir_ / f"{name}.rs", dir_ / name / "mod.rs"):
        if (src / candidate).is_file():
            return candidate
    return None


def own_dir(file, is_root):
    """Where a file's `mod x;` children live: beside a crate root or `mod.rs`, else in `a/` for `a.rs`."""
    if is_root or file.name == "mod.rs":
        return file.parent
    return file.parent / file.stem


class Crate:
    """One crate root's module tree: module path -> file, and each file's tokens."""

    def __init__(self, src, root):
        self.src = src
        self.modules = {}  # tuple path -> relative file (inline modules map to their file)
        self.files = {}  # relative file -> (module path, tokens)
        self.root = root
        self.visit(root, ())

    def visit(self, file, path):
        if file in self.files:
            return
        text = (self.src / file).read_text(encoding="utf-8")
        toks = list(tokens(strip(text)))
        self.files[file] = (path, toks)
        self.modules[path] = file
        stack, depth = [], 0  # inline modules: (name, depth inside their braces)
        for k, (t, _) in enumerate(toks):
            if t == "{":
                depth += 1
            elif t == "}":
                depth -= 1
                if stack and depth < stack[-1][1]:
                    stack.pop()
            elif t == "mod" and k + 2 < len(toks) and is_ident(toks[k + 1][0]):
                name, after = toks[k + 1][0].removeprefix("r#"), toks[k + 2][0]
                inner = tuple(s for s, _ in stack)
                if after == "{":
                    stack.append((name, depth + 1))
                    self.modules[path + inner + (name,)] = file
                elif after == ";":
                    found = child_file(self.src, own_dir(file, file == self.root).joinpath(*inner), name)
                    if found is not None:
                        self.visit(found, path + inner + (name,))
                    else:
                        print(f"warning: {file}: no file for mod {name}", file=sys.stderr)

    def resolve(self, here, segs):
        """The file a path names, or None when it leaves the crate."""
        head = segs[0]
        if head in ("crate", "$crate"):
            absolute, rest = (), segs[1:]
        elif head in ("super", "self"):
            absolute, rest = here, segs
            while rest and rest[0] in ("super", "self"):
                if rest[0] == "super":
                    if not absolute:
                        return None
                    absolute = absolute[:-1]
                rest = rest[1:]
        elif here + (head,) in self.modules:
            absolute, rest = here, segs
        else:
            return None
        full = tuple(absolute) + tuple(rest)
        for cut in range(len(full), -1, -1):
            if full[:cut] in self.modules:
                return self.modules[full[:cut]]
        return None

    def edges(self):
        """{(from file, to file): (line, path text)} for every use of another file."""
        found = {}
        for file, (path, toks) in self.files.items():
            stack, depth, k = [], 0, 0
            while k < len(toks):
                t, line = toks[k]
                if t == "{":
                    depth += 1
                elif t == "}":
                    depth -= 1
                    if stack and depth < stack[-1][1]:
                        stack.pop()
                elif t == "mod" and k + 2 < len(toks) and toks[k + 2][0] == "{":
                    stack.append((toks[k + 1][0].removeprefix("r#"), depth + 1))
                    depth += 1
                    k += 3
                    continue
                starts_path = (
                    is_ident(t)
                    and k + 1 < len(toks)
                    and toks[k + 1][0] == "::"
                    and (k == 0 or toks[k - 1][0] not in ("::", "in"))
                )
                if starts_path:
                    here = path + tuple(s for s, _ in stack)
                    paths, after = parse_tree(toks, k, [])
                    for segs in paths:
                        target = self.resolve(here, segs)
                        if target is not None and target != file:
                            found.setdefault((file, target), (line, "::".join(segs)))
                    # Re-read the braces a use tree skipped so depth stays right.
                    for t2, _ in toks[k + 1:after]:
                        depth += (t2 == "{") - (t2 == "}")
                    k = after
                    continue
                k += 1
        return found


def sccs(nodes, graph):
    """Tarjan's strongly connected components, iteratively."""
    index, low, on, stack, out, counter = {}, {}, set(), [], [], [0]
    for root in nodes:
        if root in index:
            continue
        work = [(root, iter(sorted(graph.get(root, ()))))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(graph.get(w, ())))))
                    break
                if w in on:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    group = []
                    while True:
                        w = stack.pop()
                        on.discard(w)
                        group.append(w)
                        if w == v:
                            break
                    out.append(sorted(group))
    return out


def simple_cycles(group, graph, limit):
    """Simple cycles inside one component, each starting at its smallest node (Johnson-like DFS)."""
    order = sorted(group)
    members = set(group)
    cycles = []
    for s_i, start in enumerate(order):
        allowed = set(order[s_i:])
        path, on_path = [start], {start}
        work = [iter(sorted(w for w in graph.get(start, ()) if w in members and w in allowed))]
        while work:
            for w in work[-1]:
                if w == start:
                    cycles.append(path + [start])
                    if limit and len(cycles) >= limit:
                        return cycles, True
                elif w not in on_path:
                    path.append(w)
                    on_path.add(w)
                    work.append(iter(sorted(x for x in graph.get(w, ()) if x in members and x in allowed)))
                    break
            else:
                work.pop()
                on_path.discard(path.pop())
    return cycles, False


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("src", type=Path, help="the crate's src directory")
    parser.add_argument("--max-cycles", type=int, default=50, help="cycles printed per group (0: all)")
    parser.add_argument("--why", action="store_true", help="show the use behind each edge of a cycle")
    parser.add_argument(
        "--allow", action="append", default=[], metavar="DIR/",
        help="accept a group whose modules all lie in this folder (repeatable)",
    )
    args = parser.parse_args()
    src = args.src
    roots = [Path(p) for p in ("lib.rs", "main.rs") if (src / p).is_file()]
    roots += sorted(p.relative_to(src) for p in (src / "bin").glob("*.rs")) if (src / "bin").is_dir() else []
    if not roots:
        sys.exit(f"{src}: no lib.rs, main.rs or bin/*.rs")

    edges = {}
    nodes = set()
    for root in roots:
        crate = Crate(src, root)
        nodes |= set(crate.files)
        edges.update(crate.edges())
    graph = {}
    for a, b in edges:
        graph.setdefault(a, set()).add(b)

    groups = [g for g in sccs(sorted(nodes), graph) if len(g) > 1]
    allowed = [
        g for g in groups
        if any(all(str(m).startswith(prefix) for m in g) for prefix in args.allow)
    ]
    groups = [g for g in groups if g not in allowed]
    if not groups:
        accepted = f", {len(allowed)} accepted group(s) in {', '.join(args.allow)}" if allowed else ""
        print(f"no import cycles: {len(nodes)} modules, {len(edges)} uses between them ({src}){accepted}")
        return 0
    print(f"{len(groups)} import cycle group(s) in {src}:")
    for n, group in enumerate(sorted(groups, key=lambda g: (-len(g), g)), 1):
        print(f"\ngroup {n}: {len(group)} modules: {', '.join(map(str, group))}")
        cycles, cut = simple_cycles(group, graph, args.max_cycles)
        for cycle in cycles:
            print("  " + " -> ".join(map(str, cycle)))
            if args.why:
                for a, b in zip(cycle, cycle[1:]):
                    line, text = edges[(a, b)]
                    print(f"      {a}:{line} {text}")
        if cut:
            print(f"  ... more cycles not shown (--max-cycles 0 prints all)")
    return 1


if __name__ == "__main__":
    sys.exit(main())
