#!/usr/bin/env python3
"""Fails when peer code reaches the world without the Env seam (DESIGN.md, "The one rule").

Every C++ file under runtime/ except runtime/env/asio/ and runtime/daemon/ must not
use clocks' now(), sleeps, threads, rand()/random_device, the system resolver or
Boost.Asio. Comments and string literals are ignored.

usage: check_env_seam.py [ROOT]        ROOT defaults to the repository root
       check_env_seam.py --self-test   checks that the rules catch tests/lint/fixtures
"""
import pathlib
import re
import sys

EXEMPT = ("runtime/env/asio/", "runtime/daemon/")
# Files that may draw OpenSSL's randomness, and why. Nothing else may.
RANDOMNESS_ALLOWED = {
    "runtime/env/tls/pki.cpp": "makes keys and serials at set-up time (install, tests); peer logic never calls it",
}
SUFFIXES = {".cpp", ".hpp", ".h", ".cc", ".hh", ".ipp"}

RULES = [
    ("a real clock", re.compile(r"\b(system_clock|steady_clock|high_resolution_clock|utc_clock|tai_clock|gps_clock|file_clock)\b")),
    ("a real clock", re.compile(r"\b(clock_gettime|gettimeofday|timespec_get)\s*\(|(?<![\w.>:])time\s*\(\s*(nullptr|NULL|0)?\s*\)")),
    ("sleeping", re.compile(r"\bthis_thread\b|\b(usleep|nanosleep)\s*\(|(?<![\w.>:])sleep\s*\(")),
    ("a thread", re.compile(r"\bstd::(thread|jthread|async)\b|\bpthread_\w+\s*\(|#\s*include\s*<(thread|future)>")),
    ("unseeded randomness", re.compile(r"\brandom_device\b|(?<![\w.>:])s?rand\s*\(|\bRAND_bytes\s*\(")),
    ("the system resolver", re.compile(r"\b(getaddrinfo|gethostbyname2?|getnameinfo|res_n?query|res_n?search)\s*\(")),
    ("Boost.Asio", re.compile(r"\bboost::asio\b|#\s*include\s*<boost/(asio|beast)")),
]


def strip_comments_and_strings(text: str) -> str:
    """Blank out comments and string/char literals, keeping line numbers."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == '"' and not text.startswith('#', text.rfind("\n", 0, i) + 1):
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append('""')
            i = j + 1
        elif c == "'" and i > 0 and not text[i - 1].isalnum():
            j = i + 1
            while j < n and text[j] != "'":
                j += 2 if text[j] == "\\" else 1
            out.append("''")
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def violations(root: pathlib.Path):
    runtime = root / "runtime"
    for path in sorted(runtime.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.suffix not in SUFFIXES or rel.startswith(EXEMPT):
            continue
        code = strip_comments_and_strings(path.read_text(errors="replace"))
        for number, line in enumerate(code.splitlines(), 1):
            for what, rule in RULES:
                if what == "unseeded randomness" and rel in RANDOMNESS_ALLOWED and "random_device" not in line:
                    continue
                if rule.search(line):
                    yield f"{rel}:{number}: uses {what} outside the Env seam: {line.strip()}"


def self_test(repo: pathlib.Path) -> int:
    fixtures = repo / "tests" / "lint" / "fixtures"
    found = list(violations(fixtures))
    expected = {line.split(":")[0] + ":" + line.split(":")[1] for line in found}
    bad = fixtures / "runtime" / "cluster" / "bad.cpp"
    wanted = {f"runtime/cluster/bad.cpp:{n}" for n, l in enumerate(bad.read_text().splitlines(), 1) if "// BAD" in l}
    missing = wanted - expected
    extra = {e for e in expected if e not in wanted}
    for m in sorted(missing):
        print(f"self-test: rule missed {m}")
    for e in sorted(extra):
        print(f"self-test: false alarm at {e}")
    if missing or extra:
        return 1
    print(f"self-test: all {len(wanted)} planted violations caught, none elsewhere")
    return 0


def main(argv):
    repo = pathlib.Path(__file__).resolve().parents[2]
    if len(argv) > 1 and argv[1] == "--self-test":
        return self_test(repo)
    root = pathlib.Path(argv[1]) if len(argv) > 1 else repo
    found = list(violations(root))
    for line in found:
        print(line)
    if found:
        print(f"{len(found)} use(s) of the outside world bypass Env; route them through runtime/env/env.hpp")
        return 1
    print("env seam: clean")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
