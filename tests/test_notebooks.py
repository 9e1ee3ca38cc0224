"""The example notebooks run headless, render the report inline and save it.

Each notebook's ``parameters`` cell is replaced (few epochs, an output folder under
``tmp_path``) and the notebook is executed by a kernel that runs this interpreter.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

nbclient = pytest.importorskip("nbclient")
nbformat = pytest.importorskip("nbformat")
pytest.importorskip("ipykernel")

from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel  # noqa: E402
from jupyter_client.manager import AsyncKernelManager  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
KERNEL = "python3"
#: Enough epochs for a model that does not predict one class for everyone, still fast.
EPOCHS = 10
CORE_SECTIONS = {"data", "performance", "fairness"}

pytestmark = pytest.mark.slow


def _runs_this_python(argv: list[str]) -> bool:
    """Whether a kernelspec's command starts this interpreter (``sys.executable``).

    jupyter_client itself replaces a bare ``python``, ``python3`` or ``python3.X`` with
    ``sys.executable``; any other command must be this very path (not resolved through
    symlinks: a virtual environment's python links to the base interpreter).
    """
    if not argv:
        return False
    major, minor = sys.version_info[:2]
    if argv[0] in {"python", f"python{major}", f"python{major}.{minor}"}:
        return True
    return os.path.abspath(argv[0]) == os.path.abspath(sys.executable)


@pytest.fixture(scope="module")
def kernel_manager_factory(tmp_path_factory):
    """Return a callable making the kernel manager for NotebookClient, or None for its own.

    When the default ``python3`` kernelspec runs another interpreter (a user-level
    kernelspec, say), a temporary one pointing at ``sys.executable`` is written and used.
    """
    try:
        spec = KernelSpecManager().get_kernel_spec(KERNEL)
    except NoSuchKernel:
        spec = None
    if spec is not None and _runs_this_python(spec.argv):
        return None

    from ipykernel.kernelspec import write_kernel_spec

    kernels = tmp_path_factory.mktemp("kernels")
    write_kernel_spec(kernels / KERNEL)  # argv[0] is sys.executable
    manager = KernelSpecManager(kernel_dirs=[str(kernels)])
    assert manager.get_kernel_spec(KERNEL).argv[0] == sys.executable

    def make() -> AsyncKernelManager:
        return AsyncKernelManager(kernel_name=KERNEL, kernel_spec_manager=manager)

    return make


def _execute(name: str, out_dir: Path, make_km) -> nbformat.NotebookNode:
    """Run ``examples/<name>.ipynb`` with its parameters replaced; return the notebook."""
    nb = nbformat.read(EXAMPLES / f"{name}.ipynb", as_version=4)
    params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1, "one cell tagged 'parameters'"
    assert nb.cells.index(params[0]) == next(
        i for i, c in enumerate(nb.cells) if c.cell_type == "code"
    ), "the parameters cell is the first code cell"
    for variable in ("OUT_DIR", "EPOCHS"):
        assert f"{variable} =" in params[0].source
    params[0].source = f"OUT_DIR = {str(out_dir)!r}\nEPOCHS = {EPOCHS}\n"
    nb.cells.append(nbformat.v4.new_code_cell("import sys\nprint(sys.executable)"))

    client = nbclient.NotebookClient(
        nb,
        km=make_km() if make_km is not None else None,
        timeout=300,
        kernel_name=KERNEL,
        resources={"metadata": {"path": str(ROOT)}},
    )
    client.execute()
    probe = nb.cells.pop()
    assert _stdout(probe).strip() == sys.executable, "the kernel runs this interpreter"
    return nb


def _outputs(cell) -> list:
    return cell.get("outputs", [])


def _check_common(nb, out_dir: Path) -> None:
    code = [c for c in nb.cells if c.cell_type == "code"]
    errors = [o for c in code for o in _outputs(c) if o.output_type == "error"]
    assert not errors, errors
    assert all(c.execution_count is not None for c in code)

    report = out_dir / "report.html"
    assert report.is_file()
    sections = [s["id"] for s in json.loads((out_dir / "results.json").read_text())["sections"]]
    assert set(sections) >= CORE_SECTIONS

    shown = [c for c in code if c.source.strip().splitlines()[-1:] == ["result"]]
    assert len(shown) == 1, "one cell ends with `result`"
    html = [
        o["data"]["text/html"]
        for o in _outputs(shown[0])
        if o.output_type == "execute_result" and "text/html" in o.get("data", {})
    ]
    assert len(html) == 1
    assert 'class="rai-report' in html[0]
    for section in sections:
        assert f'id="section-{section}"' in html[0]


def _stdout(cell) -> str:
    return "".join(
        o.get("text", "")
        for o in _outputs(cell)
        if o.output_type == "stream" and o.name == "stdout"
    )


def test_quickstart_notebook(tmp_path, kernel_manager_factory):
    out_dir = tmp_path / "quickstart"
    nb = _execute("quickstart", out_dir, kernel_manager_factory)
    _check_common(nb, out_dir)

    by_source = {c.source: c for c in nb.cells if c.cell_type == "code"}
    verdicts = next(c for s, c in by_source.items() if "section.verdict" in s)
    table = next(o for o in _outputs(verdicts) if o.output_type == "execute_result")
    assert "<table" in table["data"]["text/html"]
    for column in ("section", "verdict", "summary"):
        assert column in table["data"]["text/plain"]
    metric = next(c for s, c in by_source.items() if ".metric(" in s)
    assert "demographic_parity_ratio[sex] =" in _stdout(metric)


def test_own_model_notebook(tmp_path, kernel_manager_factory):
    out_dir = tmp_path / "own_model"
    nb = _execute("own_model", out_dir, kernel_manager_factory)
    _check_common(nb, out_dir)

    results = json.loads((out_dir / "results.json").read_text())
    assert results["subject"]["name"] == "my model"
    assert results["subject"]["model_class"] != "MLP"
    assert results["subject"]["trained_epochs"] == EPOCHS
    assert results["policy"]["test_accuracy"]["warn"] == 0.75

    bad = next(c for c in nb.cells if "except audit.AuditInputError" in c.source)
    message = _stdout(bad)
    assert message.startswith("AuditInputError: test[0] (X): expected finite values")
    assert "first in row 12" in message
