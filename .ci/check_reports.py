"""Fail when a suite CI must run was skipped: the browser tests above all."""

import sys
import xml.etree.ElementTree as ET

REQUIRED = {"tests.browser": "browser tests"}


def main(paths: list[str]) -> int:
    failed = False
    for path in paths:
        cases = list(ET.parse(path).getroot().iter("testcase"))
        for prefix, name in REQUIRED.items():
            ran = [c for c in cases if c.get("classname", "").startswith(prefix)]
            skipped = [c for c in ran if c.find("skipped") is not None]
            if not ran or skipped:
                print(f"{path}: {name}: {len(ran)} collected, {len(skipped)} skipped")
                failed = True
        total = len(cases)
        skipped_all = sum(c.find("skipped") is not None for c in cases)
        print(f"{path}: {total} tests, {skipped_all} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
