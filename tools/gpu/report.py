"""Rows that survive a killed run: each row is printed as soon as it is done and the JSON file is
rewritten with every row so far ("done": false until the script finishes), and the final table's
columns fit their contents.

    python3 tools/gpu/report.py out/device/gpu_bench.json    # the table of a (possibly cut) run

Standard library only.
"""
import json
import math
import os
import sys


class Column:
    """key: the row field; header; align '<' or '>'; fmt: value -> str (None prints '-')."""

    def __init__(self, key, header, align="<", fmt=str):
        self.key, self.header, self.align, self.fmt = key, header, align, fmt

    def cell(self, row):
        value = row.get(self.key)
        return "-" if value is None else self.fmt(value)

    def spec(self):
        return {"key": self.key, "header": self.header, "align": self.align}


def sci(x):
    """1.23e-04; inf; NaN."""
    if x is None:
        return "-"
    if isinstance(x, float) and math.isnan(x):
        return "NaN"
    return "inf" if math.isinf(x) else f"{x:.2e}"


def fixed(digits):
    return lambda x: f"{x:.{digits}f}"


def format_table(columns, rows, note_key="note"):
    """Lines of a table whose every column is as wide as its widest cell or header. The note
    (free text: an error, a skip reason) follows the last column unpadded."""
    cells = [[c.cell(r) for c in columns] for r in rows]
    widths = [max([len(c.header)] + [len(row[i]) for row in cells]) for i, c in enumerate(columns)]

    def line(values, note=""):
        text = " ".join(f"{v:{c.align}{w}}" for v, c, w in zip(values, columns, widths))
        return (text + ("  " + note if note else "")).rstrip()

    out = [line([c.header for c in columns]), "-" * len(line([c.header for c in columns]))]
    for r, row in zip(rows, cells):
        out.append(line(row, r.get(note_key) or ""))
    return out


class RowLog:
    """Collects rows; prints each as it lands (`progress(row)` gives its one-line form) and rewrites
    `json_path` after every row, so a run cut short keeps what it measured."""

    def __init__(self, json_path, meta, columns, progress):
        self.json_path, self.meta, self.columns, self.progress = json_path, dict(meta), columns, progress
        self.rows = []
        self.write(done=False)

    def add(self, row):
        self.rows.append(row)
        print(self.progress(row), flush=True)
        self.write(done=False)

    def update(self, row):
        """A row already added got more fields (a later pass): print it again, rewrite the file."""
        print(self.progress(row), flush=True)
        self.write(done=False)

    def write(self, done, **extra):
        self.meta.update(extra)
        if not self.json_path:
            return
        doc = {"meta": self.meta, "columns": [c.spec() for c in self.columns], "done": done, "rows": self.rows}
        tmp = self.json_path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(doc, f, indent=2, default=str)
        os.replace(tmp, self.json_path)

    def table(self):
        return format_table(self.columns, self.rows)


def first_line(error, limit=160):
    """The line of a (compiler) error message that says what went wrong, shortened."""
    text = str(error).strip()
    lines = [l.strip() for l in text.splitlines() if l.strip()]
    pick = next((l for l in lines if "error" in l.lower() and l != lines[0]), lines[0] if lines else "")
    if lines and pick != lines[0]:
        pick = f"{lines[0]} {pick}"
    return pick if len(pick) <= limit else pick[: limit - 3] + "..."


def render(path):
    """The table of a JSON file written by RowLog (columns as saved; values as saved)."""
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)

    def show(v):
        if isinstance(v, float):
            return f"{v:.3g}" if abs(v) >= 1e-3 or v == 0 else f"{v:.2e}"
        return str(v)

    columns = [Column(c["key"], c["header"], c["align"], show) for c in doc["columns"]]
    lines = format_table(columns, doc["rows"])
    state = "complete" if doc.get("done") else "INCOMPLETE (the run was cut short)"
    return [f"{os.path.basename(path)}: {len(doc['rows'])} rows, {state}"] + lines


if __name__ == "__main__":
    status = 0
    for p in sys.argv[1:]:
        try:
            print("\n".join(render(p)))
        except (OSError, ValueError, KeyError) as e:
            print(f"report: cannot read {p}: {e}", file=sys.stderr)
            status = 1
    sys.exit(status)
