"""Quick start: audit the credit reference model and write the HTML report.

Run it from the repository root:

    .venv/bin/python examples/credit_quickstart.py [OUT_DIR]

The same from the command line: ``rai-audit run credit --out reports/out/credit``.
"""

from __future__ import annotations

import sys

import audit


def main(out_dir: str = "reports/out/credit-quickstart") -> None:
    # 1. A trained reference model with its data (embedded, no network).
    subject = audit.reference("credit", seed=0)
    print(subject)

    # 2. Run the audits; thresholds can be changed here or in a YAML config.
    config = {"policy": {"thresholds": {"test_accuracy": {"warn": 0.72}}}}
    result = audit.run(subject, config=config)

    # 3. Read the verdicts, then save report.html and results.json.
    for section in result.sections:
        print(f"{section.verdict.upper():5} {section.title}: {section.summary}")
    sex_ratio = result.section("fairness").metric("demographic_parity_ratio[sex]")
    print(f"demographic parity ratio by sex: {sex_ratio.value:.3f} ({sex_ratio.verdict})")
    print("report:", result.save(out_dir))


if __name__ == "__main__":
    main(*sys.argv[1:2])
