"""`make bench`: run every benchmark and print its table."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "layers" / "scheduling"))

from bench import slot_generation  # the layer path must be set first


def main() -> None:
    slot_generation.main()


if __name__ == "__main__":
    main()
