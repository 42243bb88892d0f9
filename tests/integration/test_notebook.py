"""examples/compare_algos.ipynb executes top to bottom, so it stays true."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tests.child_env import python_path

NOTEBOOK = Path(__file__).resolve().parents[2] / "examples" / "compare_algos.ipynb"


@pytest.mark.timeout(240)
def test_compare_algos_notebook_executes(monkeypatch):
    monkeypatch.setenv("PYTHONPATH", python_path())
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(
        nb,
        timeout=180,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    ).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    tca_html = "".join(o.get("data", {}).get("text/html", "") for o in outputs)
    for name in ("TWAP", "VWAP", "POV"):
        assert name in tca_html
    assert any("image/png" in o.get("data", {}) for o in outputs)
