"""Validate corpus/services.yaml. Usage: python corpus/.check_catalog.py"""
import pathlib
import re
import sys

import yaml

HERE = pathlib.Path(__file__).resolve().parent
CATALOG = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "services.yaml"
DRAFT = HERE / ".catalog_ids_draft.txt"
TASKS = {f"{d}.{t}" for d in range(1, 5) for t in range(1, 4)}
REQUIRED = ["id", "name", "aliases", "category", "purpose", "scenarios",
            "domains", "tasks", "confused_with"]
KEBAB = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")

errors, warnings = [], []
data = yaml.safe_load(CATALOG.read_text())
if data.get("version") != 1:
    errors.append("version must be 1")
cats = data.get("categories") or {}
services = data.get("services") or []
ids = [s.get("id") for s in services]
idset = set(ids)
for i in sorted(idset):
    if ids.count(i) > 1:
        errors.append(f"duplicate id {i}")


def contains(text, term):
    return re.search(r"(?<![a-z0-9])" + re.escape(term) + r"(?![a-z0-9])", text) is not None


used_cats = set()
for s in services:
    sid = s.get("id", "?")
    for k in REQUIRED:
        if k not in s:
            errors.append(f"{sid}: missing {k}")
    if not KEBAB.match(str(sid)):
        errors.append(f"{sid}: id not kebab-case")
    cat = s.get("category")
    used_cats.add(cat)
    if cat not in cats:
        errors.append(f"{sid}: category {cat!r} not declared")
    # purpose
    purpose = str(s.get("purpose", ""))
    n = len(purpose.split())
    if not 8 <= n <= 25:
        errors.append(f"{sid}: purpose has {n} words (need 8-25)")
    # aliases
    aliases = s.get("aliases") or []
    for a in aliases:
        if a != a.lower():
            errors.append(f"{sid}: alias {a!r} not lowercase")
    if len(set(aliases)) != len(aliases):
        errors.append(f"{sid}: duplicate aliases")
    # names/aliases that must not appear in scenarios
    name = str(s.get("name", ""))
    terms = {name.lower(), name.split("(")[0].strip().lower()}
    terms |= {p.strip().lower() for p in re.findall(r"\(([^)]*)\)", name)}
    terms |= {a.lower() for a in aliases}
    terms.discard("")
    scen = s.get("scenarios") or []
    if not 2 <= len(scen) <= 4:
        errors.append(f"{sid}: {len(scen)} scenarios (need 2-4)")
    for sc in scen:
        low = str(sc).lower()
        for t in sorted(terms):
            if contains(low, t):
                errors.append(f"{sid}: scenario contains {t!r}: {sc}")
            elif t in low:
                warnings.append(f"{sid}: scenario has substring {t!r}: {sc}")
    # confused_with
    cw = s.get("confused_with") or []
    if not 2 <= len(cw) <= 4:
        errors.append(f"{sid}: confused_with has {len(cw)} ids (need 2-4)")
    if len(set(cw)) != len(cw):
        errors.append(f"{sid}: duplicate confused_with ids")
    for c in cw:
        if c == sid:
            errors.append(f"{sid}: confused_with lists itself")
        elif c not in idset:
            errors.append(f"{sid}: confused_with unknown id {c}")
    # domains / tasks
    doms = s.get("domains") or []
    tasks = s.get("tasks") or []
    if not doms or not set(doms) <= {1, 2, 3, 4}:
        errors.append(f"{sid}: bad domains {doms}")
    if not tasks:
        errors.append(f"{sid}: no tasks")
    for t in tasks:
        if t not in TASKS:
            errors.append(f"{sid}: bad task {t!r}")
        elif int(t.split(".")[0]) not in doms:
            errors.append(f"{sid}: task {t} not in domains {doms}")
    for d in doms:
        if not any(str(t).startswith(f"{d}.") for t in tasks):
            warnings.append(f"{sid}: domain {d} has no task")
    docs = s.get("docs")
    if docs is not None and not str(docs).startswith("https://docs.aws.amazon.com/"):
        errors.append(f"{sid}: docs URL not on docs.aws.amazon.com")

for c in set(cats) - used_cats:
    warnings.append(f"category {c} declared but unused")

# cross-entry alias collisions (ambiguous glossary lookups)
seen = {}
for s in services:
    for a in s.get("aliases") or []:
        if a in seen and seen[a] != s["id"]:
            warnings.append(f"alias {a!r} used by {seen[a]} and {s['id']}")
        seen[a] = s["id"]

# compare with the agreed id list if present
if DRAFT.exists():
    expected = set()
    for line in DRAFT.read_text().splitlines():
        m = re.match(r"^\[([a-z-]+)\]\s*(.*)$", line.strip())
        if m and not m.group(2).startswith("("):
            expected |= {x.strip() for x in m.group(2).split(",") if x.strip()}
    if expected - idset:
        errors.append(f"missing ids: {sorted(expected - idset)}")
    if idset - expected:
        warnings.append(f"extra ids: {sorted(idset - expected)}")

for w in warnings:
    print("WARN ", w)
for e in errors:
    print("ERROR", e)
counts = {}
for s in services:
    counts[s.get("category")] = counts.get(s.get("category"), 0) + 1
print(f"{len(services)} entries; " + ", ".join(f"{k}={v}" for k, v in counts.items()))
print("OK" if not errors else f"{len(errors)} errors")
sys.exit(1 if errors else 0)
