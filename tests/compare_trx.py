#!/usr/bin/env python3
"""Compares two TRX files test by test: the published xunit v3 runner's against `dotnet test`'s (docs/gpu.md).

usage: tests/compare_trx.py A.trx B.trx
Prints the outcome counts of each and every test whose outcome differs or that only one of them ran; exits 1 on any
difference. Test names are matched as 'Namespace.Class.Method(args)' without backslashes (the runner escapes its arguments).
"""
import sys
import xml.etree.ElementTree as ET
from collections import Counter

NS = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}


def outcomes(path):
    root = ET.parse(path).getroot()
    result = {}
    for r in root.iterfind(".//t:UnitTestResult", NS):
        # VSTest writes NotExecuted for skipped tests; normalise the spellings of both writers.
        outcome = {"NotExecuted": "Skipped"}.get(r.get("outcome"), r.get("outcome"))
        # The xunit v3 runner escapes quotes and backslashes in string arguments of test names (twice in its TRX); VSTest
        # does not: names are compared without backslashes.
        result[r.get("testName").replace("\\", "")] = outcome
    return result


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    a, b = outcomes(sys.argv[1]), outcomes(sys.argv[2])
    for name, path, o in (("A", sys.argv[1], a), ("B", sys.argv[2], b)):
        print(f"{name}: {path}: {len(o)} tests, " + ", ".join(f"{k} {v}" for k, v in sorted(Counter(o.values()).items())))
    differences = 0
    for test in sorted(set(a) | set(b)):
        if a.get(test) != b.get(test):
            differences += 1
            print(f"  {test}: A {a.get(test, 'not run')}, B {b.get(test, 'not run')}")
    print("same results" if differences == 0 else f"{differences} difference(s)")
    return 0 if differences == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
